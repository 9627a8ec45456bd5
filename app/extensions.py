"""Flask extensions, created unbound and initialised by ``create_app``."""

from __future__ import annotations

from flask_babel import Babel
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
