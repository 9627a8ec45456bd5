"""Accounts: users, logging in with lockout, passwords (policy and argon2id hashing).

- ``users``: creating and changing users, logging in and out, language;
- ``passwords``: the password policy and the hasher (its limits stay there).

Callers use the package (``accounts.authenticate(...)``), not its modules.
"""

from app.services.accounts.passwords import (
    Hasher,
    check_policy,
    hasher_from_config,
    policy_problems,
)
from app.services.accounts.users import (
    USERNAME_RE,
    LockoutPolicy,
    LoginFailed,
    LoginRefusal,
    NewUser,
    admin_reset_password,
    admin_unlock,
    authenticate,
    change_password,
    conflict_unit_ids,
    create_user,
    find_by_username,
    find_unit,
    logout,
    reset_password,
    session_user,
    set_conflicts,
    set_locale,
    set_notifications,
    set_user_active,
    update_user,
)

__all__ = [
    # Users
    "USERNAME_RE", "LockoutPolicy", "LoginFailed", "LoginRefusal", "NewUser",
    "admin_reset_password", "admin_unlock", "authenticate", "change_password", "create_user",
    "find_by_username", "find_unit", "logout", "reset_password", "set_notifications", "set_locale", "set_user_active",
    "session_user", "update_user", "conflict_unit_ids", "set_conflicts",
    # Passwords
    "Hasher", "character_classes", "check_policy", "hasher_from_config", "policy_problems",
]
