"""Ruwo (如我): undercover service-window visits and the rectification loop."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from flask import Flask

from config import CONFIGS, Config

DEFAULT_INSTANCE_PATH = Path(__file__).resolve().parent.parent / "instance"


def create_app(
    config_class: type[Config] | None = None,
    instance_path: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Flask:
    """Build the application: configuration, extensions, blueprints, error handlers, commands.

    ``environ`` defaults to ``os.environ``; ``RUWO_CONFIG`` there picks the class when none
    is given (development, testing, production) and ``RUWO_INSTANCE_PATH`` the instance folder.
    """
    from app import args, hooks, inputs, settings
    from app.static_files import RuwoFlask

    environ = os.environ if environ is None else environ
    if config_class is None:
        config_class = CONFIGS[environ.get("RUWO_CONFIG", "development")]
    app = RuwoFlask(
        __name__,
        instance_path=str(instance_path or environ.get("RUWO_INSTANCE_PATH") or DEFAULT_INSTANCE_PATH),
        instance_relative_config=True,
    )
    settings.configure(app, config_class, environ)
    # Drop template whitespace: the phone pages are weighed in bytes.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    register_extensions(app)
    args.init_app(app)  # before the blueprints: their <int:…> rules use its converter
    register_blueprints(app)
    register_errorhandlers(app)
    hooks.register(app)
    inputs.init_app(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions of app.extensions to this app."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from app import i18n, jobs
    from app.auth import session as auth_session
    from app.database import configure_engine
    from app.extensions import babel, cache, csrf, db, limiter, login_manager, migrate, talisman
    from app.services import checklists, storage

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db)
    csrf.init_app(app)
    cache.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.install_template_gettext(app)
    auth_session.init_login_manager(app, login_manager)
    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
        strict_transport_security=True,
        strict_transport_security_max_age=31536000,
        strict_transport_security_include_subdomains=True,
        frame_options="DENY",
        referrer_policy="same-origin",
        content_security_policy={
            "default-src": "'self'",
            "img-src": "'self' blob:",
            "object-src": "'none'",
            "base-uri": "'none'",
            "frame-ancestors": "'none'",
            "form-action": "'self'",
        },
        permissions_policy={"geolocation": "(self)", "camera": "(self)"},
        feature_policy={},
        document_policy={},
    )
    checklists.init_app(app)
    jobs.init_app(app)
    app.extensions["ruwo_storage"] = storage.from_config(app.config, Path(app.instance_path), "uploads")
    proxies = int(app.config["PROXY_COUNT"])
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]


def register_blueprints(app: Flask) -> None:
    """One blueprint per area."""
    from app.admin.views import bp as admin_bp
    from app.archive.views import bp as archive_bp
    from app.auth.views import bp as auth_bp
    from app.campaigns.views import bp as campaigns_bp
    from app.catalogue.views import bp as catalogue_bp
    from app.dashboard.views import bp as dashboard_bp
    from app.exports.views import bp as exports_bp
    from app.issues.views import bp as issues_bp
    from app.main.views import bp as main_bp
    from app.notifications.views import bp as notifications_bp
    from app.photos.views import bp as photos_bp
    from app.visits.views import bp as visits_bp

    for bp in (main_bp, auth_bp, admin_bp, catalogue_bp, dashboard_bp, campaigns_bp, archive_bp, visits_bp,
               issues_bp, photos_bp, exports_bp, notifications_bp):
        app.register_blueprint(bp)


def register_errorhandlers(app: Flask) -> None:
    """Error pages in the user's language."""
    from app.main import errors

    errors.register(app)


def register_commands(app: Flask) -> None:
    """`flask create-user`, `flask seed-demo`."""
    from app import cli

    cli.register(app)
