"""Who may reach a view. Every route declares a policy; a route without one is a bug.

``@roles_required(Role.ADMIN)`` lets those roles in (others get 403, anonymous users go to
the login page); ``@public`` marks the few views anyone may open; ``@login_required_any``
admits every signed-in role. The route sweep in the tests fails when a view has none.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from flask_login import login_required as _login_required

from app.extensions import login_manager
from app.models import Role

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
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapped, POLICY_ATTR, allowed)
        return wrapped  # type: ignore[return-value]

    return decorator
