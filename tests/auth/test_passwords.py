"""argon2id parameters, hash upgrades at login, and the password policy."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from argon2 import PasswordHasher, Type, extract_parameters
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.auth import service
from app.auth.models import User
from app.auth.passwords import check_password_policy, hash_password, verify_password
from app.auth.schemas import PasswordChange
from app.config import Settings
from app.errors import Invalid
from tests.conftest import PASSWORD

MIB = 1024


def test_hashes_are_argon2id_with_at_least_owasp_parameters() -> None:
    params = extract_parameters(hash_password("a perfectly fine passphrase"))
    assert params.type is Type.ID
    assert params.memory_cost >= 19 * MIB
    assert params.time_cost >= 2
    assert params.parallelism >= 1


def test_stored_user_hash_uses_the_current_parameters(user: User) -> None:
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_old_parameter_hash_is_upgraded_at_login(
    db: Session, settings: Settings, user: User
) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * MIB, parallelism=1, type=Type.ID)
    user.password_hash = weak.hash(PASSWORD)
    db.add(user)
    db.commit()
    assert extract_parameters(user.password_hash).memory_cost == 8 * MIB

    service.authenticate(db, settings, "alice", PASSWORD, "192.0.2.1")

    db.refresh(user)
    upgraded = extract_parameters(user.password_hash)
    assert upgraded.memory_cost >= 19 * MIB and upgraded.time_cost >= 2
    assert verify_password(PASSWORD, user.password_hash)[0]


def test_a_corrupt_hash_is_a_failed_login_not_an_error() -> None:
    assert verify_password("whatever at all", "$argon2id$garbage") == (False, None)


@pytest.mark.parametrize("password", ["", "short", "7 chars"])
def test_passwords_under_eight_characters_are_refused(password: str) -> None:
    with pytest.raises(Invalid) as caught:
        check_password_policy(password)
    assert caught.value.errors[0].field == "password"
    assert "at least 8" in caught.value.detail


def test_length_limits_are_8_to_256() -> None:
    check_password_policy("x" * 7 + "y")
    check_password_policy("ab" * 128)
    with pytest.raises(Invalid, match="at most 256"):
        check_password_policy("ab" * 128 + "c")


def test_no_truncation_passwords_differing_after_char_72_differ() -> None:
    prefix = "p" * 72
    stored = hash_password(prefix + "-first ending")
    assert verify_password(prefix + "-first ending", stored)[0]
    assert not verify_password(prefix + "-other ending", stored)[0]
    assert not verify_password(prefix, stored)[0]


@pytest.mark.parametrize("password", ["password", "PASSWORD", "123456789", "Password1"])
def test_common_passwords_are_refused_with_a_clear_message(password: str) -> None:
    with pytest.raises(Invalid) as caught:
        check_password_policy(password)
    assert "too common" in caught.value.detail


def test_no_composition_rules_and_any_unicode_is_accepted(
    make_user: Callable[..., User], db: Session, settings: Settings
) -> None:
    for password in (
        "all lower case words",
        "пароль-из-слов",
        "🔑🔑🔑🔑🔑🔑🔑🔑",
        "  spaces  in it  ",
    ):
        check_password_policy(password)
    made = make_user("unicode", password="пароль-из-слов 🔑")
    assert (
        service.authenticate(db, settings, "unicode", "пароль-из-слов 🔑", "192.0.2.9").id
        == made.id
    )


def test_common_password_is_refused_at_setup_with_the_message(client: TestClient) -> None:
    response = client.post(
        "/setup",
        data={"username": "first", "password": "password1", "password_confirm": "password1"},
    )
    assert response.status_code == 422
    assert "too common" in response.text


def test_password_change_requires_the_current_password(db: Session, user: User) -> None:
    with pytest.raises(Invalid) as caught:
        service.change_password(
            db,
            user,
            PasswordChange(current_password="not it at all", new_password="a new long passphrase"),
            keep_session_id=None,
        )
    assert caught.value.errors[0].field == "current_password"
