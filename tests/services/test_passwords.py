"""Password policy (SECURITY.md §6.2) and hash storage (§6.7)."""

from __future__ import annotations

import pytest

from app.services.accounts import check_policy, hasher_from_config, policy_problems
from app.services.errors import ServiceError
from config import Config

WEAK = [
    ("Ab1!", "too short"),
    ("Ab1!xyz", "seven characters"),
    ("abcdefghijkl", "one class"),
    ("ABCDEFGHIJKL", "one class, capitals"),
    ("1234567890123", "digits only"),
    ("abcdefgh1234", "two classes"),
    ("a" * 65 + "B1", "longer than 64"),
    ("Password1", "common password"),
    ("P@ssw0rd", "common, with substitutions"),
    ("Aa123456", "common in China"),
    ("Admin@123", "common word with a short suffix"),
    ("Qwer1234", "keyboard pattern"),
    ("Woaini1314!", "common in China"),
    ("1qaz@WSX", "keyboard walk"),
    ("Password2026!", "common word and a year"),
    ("Iloveyou2!", "common phrase"),
    ("Zhang.wei#inspector7", "contains the user name"),
    ("INSPECTOR7-x9", "contains the user name, other case"),
    ("Abc@1234", "common"),
    ("Shanghai2026!", "common place name"),
]
VALID = [
    "Ruwo-demo-2026",
    "Xk9#mP2q",
    "Ganjiang river 7 bridges",
    "correct horse Battery",
    "Aa1!" + "x7Kq" * 15,  # 64 characters
]


@pytest.mark.parametrize(("password", "why"), WEAK)
def test_weak_passwords_are_refused(password: str, why: str, app) -> None:
    with app.app_context():
        assert policy_problems(password, "inspector7"), why


@pytest.mark.parametrize("password", VALID)
def test_valid_passwords_are_accepted(password: str, app) -> None:
    assert len(VALID[-1]) == 64
    with app.app_context():
        assert policy_problems(password, "inspector7") == []


def test_check_policy_names_every_problem_in_chinese(app) -> None:
    with app.test_request_context():
        with pytest.raises(ServiceError) as caught:
            check_policy("abc", "abc")
    message = str(caught.value.message)
    assert "至少 8 个字符" in message
    assert "三类" in message


def test_default_hash_is_argon2id_above_the_asvs_floor() -> None:
    hasher = hasher_from_config(vars(Config) | {})
    stored = hasher.hash("Ruwo-demo-2026")
    assert stored.startswith("$argon2id$")
    params = dict(p.split("=") for p in stored.split("$")[3].split(","))
    assert int(params["m"]) >= 47104
    assert hasher.verify(stored, "Ruwo-demo-2026")
    assert not hasher.verify(stored, "Ruwo-demo-2027")
    assert not hasher.verify(None, "Ruwo-demo-2026")
    assert not hasher.verify("not-a-hash", "x")


def test_hash_with_old_parameters_needs_rehash(app) -> None:
    weak = hasher_from_config(app.config)  # the fast test parameters
    strong = hasher_from_config(vars(Config))
    assert strong.needs_rehash(weak.hash("Ruwo-demo-2026"))
    assert not weak.needs_rehash(weak.hash("Ruwo-demo-2026"))
