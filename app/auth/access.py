"""Who may reach a view. Every route declares a policy; a route without one is a bug.

``@roles_required(Role.ADMIN)`` lets those roles in (others get 403, anonymous users go to
the login page); ``@public`` marks the few views anyone may open; ``@login_required_any``
admits every signed-in role. The route sweep in the tests fails when a view has none.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, TypeVar

import sqlalchemy as sa
from flask import abort, current_app, request
from flask_login import current_user
from flask_login import login_required as _login_required

from app.extensions import db, login_manager
from app.models import Role
from app.services import audit

F = TypeVar("F", bound=Callable[..., Any])
POLICY_ATTR = "ruwo_policy"


def public(view: F) -> F:
    """Anyone, signed in or not."""
    setattr(view, POLICY_ATTR, "public")
    return view


def login_required_any(view: F) -> F:
    """Any signed-in user, whatever the role."""
    wrapped = _login_required(view)
    setattr(wrapped, POLICY_ATTR, frozenset(Role))
    return wrapped  # type: ignore[return-value]


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Only users with one of ``roles``."""
    allowed = frozenset(roles)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                deny(403)
            return view(*args, **kwargs)

        setattr(wrapped, POLICY_ATTR, allowed)
        return wrapped  # type: ignore[return-value]

    return decorator


def deny(status: int = 403) -> NoReturn:
    """Refuse a signed-in user: 403, or 404 for an object of others (which must not seem to
    exist). The refusal is written to the audit log in its own short transaction."""
    db.session.rollback()  # what the request began is abandoned; on SQLite a POST holds the lock
    try:
        audit.record_denial(current_user._get_current_object(), request.path, status,
                            ip=request.remote_addr or "", per_minute=current_app.config["AUDIT_DENIALS_PER_MINUTE"])
    except sa.exc.OperationalError:  # pragma: no cover - a busy database does not turn a refusal into a 500
        db.session.rollback()
    abort(status)
