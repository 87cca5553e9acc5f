"""Secrets: slow password hashes, random bearer tokens stored as SHA-256, and the login limiter."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, func, insert, select

from central.clock import now
from central.models import login_failures

# Argon2id at OWASP's minimum (19 MiB, t=2, p=1): slow for a guesser, ~20 ms for us; only at login.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Verifying against this keeps an unknown login as slow as a known one.
_DUMMY_HASH = _hasher.hash("not a password of anyone")

MAX_FAILURES = 5
WINDOW = timedelta(minutes=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Bearer tokens are 256-bit random: a fast hash is enough (no guessing to slow down)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def is_rate_limited(conn: Connection, subject: str) -> bool:
    since = now() - WINDOW
    count = conn.execute(
        select(func.count())
        .select_from(login_failures)
        .where(login_failures.c.subject == subject, login_failures.c.at > since)
    ).scalar_one()
    return count >= MAX_FAILURES


def record_failure(conn: Connection, subject: str) -> None:
    at = now()
    conn.execute(insert(login_failures).values(subject=subject, at=at))
    # Keep the table small: what is older than the window no longer counts.
    conn.execute(delete(login_failures).where(login_failures.c.at < at - 10 * WINDOW))


def password_rule_ok(password: str) -> bool:
    """The card programme's rule: 8–20 characters, at least one digit, one letter, one capital."""
    return (
        8 <= len(password) <= 20
        and any(c.isdigit() for c in password)
        and any(c.isalpha() for c in password)
        and any(c.isupper() for c in password)
    )
