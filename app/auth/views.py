"""Log in, log out, change password."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.access import login_required_any, public
from app.auth.forms import ChangePasswordForm, LoginForm, NotificationsForm
from app.auth.session import end_session, hasher, local_path, start_session
from app.extensions import db, limiter
from app.formtools import form_status, save_form
from app.services import accounts
from app.services.errors import ServiceError

bp = Blueprint("auth", __name__)


def _username_key() -> str:
    return "login-user:" + request.form.get("username", "").strip().lower()[:64]


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_USERNAME"], key_func=_username_key, methods=["POST"])
def login() -> ResponseReturnValue:
    """Show the login form; on success go to ``next`` (a local path) or the home page."""
    next_path = local_path(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path or url_for("main.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        policy = accounts.LockoutPolicy(
            current_app.config["LOCKOUT_THRESHOLD"], current_app.config["LOCKOUT_MINUTES"]
        )
        try:
            user = accounts.authenticate(
                form.username.data, form.password.data, hasher(), policy, ip=request.remote_addr or ""
            )
        except accounts.LoginFailed as exc:
            error = exc.message
        else:
            db.session.commit()
            start_session(user)
            return redirect(next_path or url_for("main.index"))
        db.session.commit()  # keep the failure count and the audit rows
    # A form that does not validate (a field empty or too long) is refused: 422.
    status = form_status(refused=bool(form.errors))
    return render_template("auth/login.html", form=form, error=error, next=next_path), status


@bp.route("/logout", methods=["POST"])
@public
def logout() -> Response:
    """End this session and revoke every other session of the user."""
    if current_user.is_authenticated:
        accounts.logout(current_user, ip=request.remote_addr or "")
        db.session.commit()
    end_session()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required_any
def change_password() -> ResponseReturnValue:
    """Change one's own password (required at first login for accounts made by the CLI)."""
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                user, form.current_password.data, form.password.data, hasher(),
                ip=request.remote_addr or "",
            )
        except ServiceError as exc:
            getattr(form, exc.field or "password").errors.append(exc.message)
        else:
            db.session.commit()
            start_session(user)  # the old session identifier was just revoked
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("main.index"))
    status = form_status()
    return render_template(
        "auth/change_password.html", form=form, forced=user.must_change_password
    ), status


@bp.route("/account", methods=["GET", "POST"])
@login_required_any
def account() -> ResponseReturnValue:
    """Who I am, my language, how I am notified, links to change the password."""
    user = current_user._get_current_object()
    form = NotificationsForm(data=None if request.method == "POST" else {"email": user.email or "",
                                                                         "by_email": user.notify_email})
    done = save_form(form, lambda: accounts.set_notifications(user, form.email.data or "", form.by_email.data),
                     _("Notification settings saved."), lambda _obj: url_for("auth.account"))
    return done or (render_template("auth/account.html", user=user, form=form), form_status())
