"""Sessions: Flask-Login wiring, revocation by session version, the 12-hour cap."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import Flask, Request, current_app, flash, jsonify, redirect, request, session, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_user, logout_user
from itsdangerous import BadSignature
from werkzeug.wrappers import Response

from app.models import User
from app.models.base import utcnow
from app.services import accounts
from app.services.accounts import Hasher, hasher_from_config

LOGIN_AT = "login_at"
#: Endpoints a user who must change the password may still reach.
PASSWORD_CHANGE_EXEMPT = frozenset(
    {"auth.change_password", "auth.logout", "main.healthz", "main.set_language", "static"}
)


#: Requests that neither read nor write the session: static files and the service worker's script.
#: A phone sends them alongside a page's own requests, with the cookie it had then; a cookie in
#: their answer could land after the page's and replace it (a login form's CSRF token was lost
#: that way: Flask-Login marks any anonymous session that has content "not fresh").
SESSIONLESS = frozenset({"static", "main.service_worker"})

#: An unchanged session's cookie is signed again (its idle time restarted) at most this often.
REFRESH_AFTER = timedelta(minutes=1)


class SlidingCookieSession(SecureCookieSessionInterface):
    """Flask's signed cookie session, whose idle lifetime (``PERMANENT_SESSION_LIFETIME``)
    slides with use as with ``SESSION_REFRESH_EACH_REQUEST`` — but a session nothing changed is
    signed and sent again only once ``REFRESH_AFTER`` has passed since it was last signed, not on
    every request (signing is a good part of a small request's cost). Idle sessions end within a
    minute of their lifetime, as before."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        signer = self.get_signing_serializer(app)
        if signer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            data, signed_at = signer.loads(value, max_age=int(app.permanent_session_lifetime.total_seconds()),
                                           return_timestamp=True)
        except BadSignature:
            return self.session_class()
        opened = self.session_class(data)
        opened.signed_at = signed_at  # type: ignore[attr-defined]
        return opened

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if request.endpoint in SESSIONLESS:
            return  # neither a cookie nor "Vary: Cookie" (their content does not depend on it)
        super().save_session(app, session, response)

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or utcnow() - signed_at >= REFRESH_AFTER


def init_login_manager(app: Flask, manager: LoginManager) -> None:
    """Configure Flask-Login and the session guards for ``app``."""
    app.session_interface = SlidingCookieSession()
    manager.init_app(app)
    manager.login_view = "auth.login"
    manager.login_message = _l("Please log in to continue.")
    manager.login_message_category = "info"
    # "strong" would log a phone out each time it moves between 4G and Wi-Fi.
    manager.session_protection = "basic"
    manager.user_loader(load_user)
    manager.unauthorized_handler(unauthorized)
    app.extensions["ruwo_hasher"] = hasher_from_config(app.config)
    app.before_request(enforce_session_rules)


def unauthorized() -> Response | tuple[Response, int]:
    """Pages go to the login form (and come back); the phone's JSON API gets a 401 to act on."""
    if "/api/" in request.path:
        return jsonify(error=401, message=str(_l("Please log in to continue."))), 401
    flash(_l("Please log in to continue."), "info")
    return redirect(url_for("auth.login", next=local_path(request.full_path)))


def hasher() -> Hasher:
    """The app's password hasher."""
    return current_app.extensions["ruwo_hasher"]


def load_user(user_id: str) -> User | None:
    """Flask-Login loader: ``id:version``; an old version means a revoked session."""
    raw_id, _, raw_version = user_id.partition(":")
    if not (raw_id.isdigit() and raw_version.isdigit()):
        return None
    return accounts.session_user(int(raw_id), int(raw_version))


def start_session(user: User) -> None:
    """Log ``user`` in on a fresh session (no fixation), permanent so it slides."""
    session.clear()
    login_user(user, remember=False)
    session.permanent = True
    session[LOGIN_AT] = utcnow().timestamp()


def end_session() -> None:
    """Forget the login in this browser."""
    logout_user()
    session.clear()


def session_expired(now: datetime) -> bool:
    """Whether the session has passed its absolute lifetime (12 hours by default)."""
    started = session.get(LOGIN_AT)
    cap = timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])
    return not isinstance(started, int | float) or now.timestamp() - started >= cap.total_seconds()


def enforce_session_rules() -> Response | tuple[Response, int] | None:
    """Before every request: the absolute cap, then the first-login password change."""
    if request.endpoint in SESSIONLESS or not current_user.is_authenticated:
        return None
    if session_expired(utcnow()):
        end_session()
        if "/api/" in request.path:
            return unauthorized()
        flash(_l("Your session has ended. Please log in again."), "info")
        return redirect(url_for("auth.login", next=local_path(request.full_path)))
    if current_user.must_change_password and request.endpoint not in PASSWORD_CHANGE_EXEMPT:
        if "/api/" in request.path:
            return jsonify(error=403, message=str(_l("Please choose your own password before you continue."))), 403
        return redirect(url_for("auth.change_password"))
    return None


def local_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site ("/visits?x=1"), else None (open redirects)."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target.rstrip("?") or "/"
