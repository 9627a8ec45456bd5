"""Flask extensions, created unbound and initialised by ``create_app``."""

from __future__ import annotations

from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect

from app.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True, user_module_prefix="app.models.base.")
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
talisman = Talisman()
#: Figures that are costly and may be a minute old (the leaders' dashboard): per process by
#: default, Redis where several app servers share them (CACHE_TYPE, CACHE_REDIS_URL).
cache = Cache()
#: Login attempts per address and per user name (SECURITY.md §2). memory:// keeps one count per
#: worker; a deployment with several workers sets RUWO_RATELIMIT_STORAGE_URI to Redis or Memcached.
limiter = Limiter(key_func=get_remote_address)
