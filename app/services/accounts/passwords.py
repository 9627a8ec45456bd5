"""Password policy and hashing (argon2id).

Policy (SECURITY.md §1, 等保 complexity over ASVS 6.2.5 — a documented deviation): 8 to 64
characters, at least three of lower case, upper case, digits and other characters, not a
common password (zxcvbn's list of 30,000 plus passwords common in China, also with
simple substitutions or a short suffix like "@123"), and not containing the username.
"""

from __future__ import annotations

import re
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from app.services.errors import ServiceError

MIN_LENGTH = 8
MAX_LENGTH = 64
MIN_CLASSES = 3

#: Passwords common in China that the (English-centred) zxcvbn list lacks.
CHINESE_COMMON = frozenset(
    {
        "woaini", "woaini1314", "woaini520", "5201314", "1314520", "woaini123", "iloveyou1314",
        "qq123456", "qwe123", "qweasd", "qweasdzxc", "zxc123", "asd123", "aa123456",
        "a123456", "a12345678", "abc@123", "admin@123", "admin123", "root123", "test123",
        "zhang123", "wang123", "li123456", "huawei", "huawei123", "xiaomi123", "baidu123",
        "zhongguo", "china123", "beijing", "shanghai", "anyuan", "jiangxi", "ganzhou",
        "zhengwu", "zwfw", "guest", "passw0rd", "p@ssword", "abc.123", "1qaz2wsx3edc",
    }
)
#: Undo the substitutions people use to meet class rules ("P@ssw0rd").
_LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "3": "e", "1": "i", "!": "i", "$": "s", "5": "s", "7": "t"})
_SUFFIX = re.compile(r"[^a-z]+$")
_PREFIX = re.compile(r"^[^a-z]+")


@lru_cache(maxsize=1)
def _blocklist() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"]) | CHINESE_COMMON


def _candidates(password: str) -> set[str]:
    """The password and its plain forms, for comparison with the list of common ones."""
    low = password.lower()
    forms = {low, low.translate(_LEET)}
    for form in list(forms):
        core = _PREFIX.sub("", _SUFFIX.sub("", form))
        # "Admin@123" or "2024Password!" are common passwords in costume.
        if core and len(form) - len(core) <= 6:
            forms.add(core)
    forms.update(re.sub(r"[^a-z0-9]", "", f) for f in list(forms))
    return {f for f in forms if f}


def character_classes(password: str) -> int:
    """How many of lower, upper, digit and other characters ``password`` uses."""
    return sum(
        (
            any(c.islower() and c.isascii() for c in password),
            any(c.isupper() and c.isascii() for c in password),
            any(c.isdigit() and c.isascii() for c in password),
            any(not (c.isascii() and c.isalnum()) for c in password),
        )
    )


def policy_problems(password: str, username: str = "") -> list[object]:
    """Every way ``password`` fails the policy, as messages for the user (empty if it passes)."""
    problems: list[object] = []
    if len(password) < MIN_LENGTH:
        problems.append(_l("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_l("Use at most %(n)d characters.", n=MAX_LENGTH))
    if character_classes(password) < MIN_CLASSES:
        problems.append(
            _l("Mix at least three of: lower-case letters, capitals, digits, other characters.")
        )
    if username and len(username) >= 3 and username.lower() in password.lower():
        problems.append(_l("The password must not contain the user name."))
    if _candidates(password) & _blocklist():
        problems.append(_l("This password is too common; choose another."))
    return problems


def check_policy(password: str, username: str = "") -> None:
    """Raise ServiceError naming every problem of ``password``."""
    problems = policy_problems(password, username)
    if problems:
        raise ServiceError(" ".join(str(p) for p in problems), field="password")


class Hasher:
    """argon2id with the configured cost; verifies in constant time, flags outdated hashes."""

    def __init__(self, time_cost: int, memory_cost: int, parallelism: int) -> None:
        self._ph = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism
        )
        # Verified when the user name is unknown, so timing does not reveal which names exist.
        self._dummy = self._ph.hash("not a real password, only for timing")

    def hash(self, password: str) -> str:
        """A new argon2id hash of ``password``."""
        return self._ph.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches (always spends the same work when there is no hash)."""
        try:
            return self._ph.verify(password_hash or self._dummy, password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the stored hash was made with other parameters than the current ones."""
        return self._ph.check_needs_rehash(password_hash)


def hasher_from_config(config: dict) -> Hasher:
    """The hasher for an app's configuration."""
    return Hasher(
        time_cost=int(config["ARGON2_TIME_COST"]),
        memory_cost=int(config["ARGON2_MEMORY_COST"]),
        parallelism=int(config["ARGON2_PARALLELISM"]),
    )
