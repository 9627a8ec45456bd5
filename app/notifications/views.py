"""Notifications: the list (unread first), opening one (marks it read, then goes to its page),
marking all read; and the unread count every page's header shows."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm

from app.auth.access import login_required_any
from app.extensions import db
from app.services import notifications

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def header_count() -> dict:
    """``unread_notifications()`` for the header, counted only when a page asks."""

    def unread() -> int:
        return notifications.unread_count(current_user) if current_user.is_authenticated else 0

    return {"unread_notifications": unread}


@bp.route("/")
@login_required_any
def index() -> str:
    return render_template("notifications/index.html", items=notifications.latest(current_user),
                           text=notifications.text, form=FlaskForm())


@bp.route("/<int:notification_id>/open", methods=["POST"])
@login_required_any
def open_one(notification_id: int) -> ResponseReturnValue:
    """Mark it read and go to what it is about."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    found = notifications.opened(current_user, notification_id)
    if found is None:
        abort(404)
    link = found.link if found.link.startswith("/") and not found.link.startswith("//") else ""
    db.session.commit()
    return redirect(link or url_for("notifications.index"), 303)


@bp.route("/read", methods=["POST"])
@login_required_any
def read_all() -> ResponseReturnValue:
    if not FlaskForm().validate_on_submit():
        abort(400)
    notifications.mark_read(current_user)
    db.session.commit()
    return redirect(url_for("notifications.index"), 303)
