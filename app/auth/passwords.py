"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.errors import Invalid

MIN_LENGTH = 8
MAX_LENGTH = 256
# OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. Raising these upgrades hashes at login.
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1

_hasher = PasswordHash(
    (
        Argon2Hasher(
            memory_cost=ARGON2_MEMORY_KIB,
            time_cost=ARGON2_TIME_COST,
            parallelism=ARGON2_PARALLELISM,
        ),
    )
)
# Verified against when the username is unknown, so both answers take the same time.
_DUMMY_HASH = _hasher.hash("rapport-timing-equaliser")


@lru_cache
def common_passwords() -> frozenset[str]:
    """The shipped list of passwords too common to allow."""
    text = files("app.auth").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().casefold()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


def check_password_policy(password: str, *, field: str = "password") -> None:
    """Length 8-256, any characters, and not on the common-passwords list."""
    if len(password) < MIN_LENGTH:
        raise Invalid.one(field, f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise Invalid.one(field, f"Use at most {MAX_LENGTH} characters.")
    if "\x00" in password:
        raise Invalid.one(field, "The password cannot contain a NUL character.")
    if password.casefold() in common_passwords():
        raise Invalid.one(field, "This password is too common; choose one that is harder to guess.")


def hash_password(password: str) -> str:
    """An argon2id hash with the current parameters."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """(valid, new hash when parameters changed). Unknown users verify against a dummy."""
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False, None
    try:
        return _hasher.verify_and_update(password, password_hash)
    except Exception:  # a corrupt or foreign hash is a failed login, not a 500
        return False, None
