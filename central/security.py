"""Secrets: slow password hashes and random bearer tokens stored as SHA-256 (the login limits are
central.limits')."""

from __future__ import annotations

import ctypes
import hashlib
import os
import secrets
import sys
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# Argon2id at OWASP's minimum (19 MiB, t=2, p=1): slow for a guesser, ~20 ms for us; only at login.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Verifying against this keeps an unknown login as slow as a known one.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


# Each hash holds 19 MiB while it runs, and the work is CPU-bound: more hashes at once than cores
# only adds memory. Without this bound, 50 terminals enrolling together took the service from
# 150 MB to 707 MB of resident memory, which it kept (a burst of logins is a cheap way to exhaust
# a server's memory); the others wait their turn, for a few tens of milliseconds each.
_HASH_SLOTS = threading.BoundedSemaphore(max(2, os.cpu_count() or 2))


def return_hash_memory_to_the_os() -> None:
    """Make glibc give each hash's 19 MiB back when it is freed (call once per process).

    glibc serves a block that large with mmap, until the first one is freed: then it raises its
    threshold and serves the next ones from the calling thread's arena, which keeps them. Each
    worker thread that once hashed kept 19 MiB: 50 enrolments at once left the service at 512 MB
    resident instead of 143 MB. A fixed threshold keeps them on mmap.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD = 1 MiB
    except (OSError, AttributeError):  # not glibc (musl, ...): nothing to tune
        pass


def hash_password(password: str) -> str:
    with _HASH_SLOTS:
        return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        with _HASH_SLOTS:
            ok = _hasher.verify(password_hash or _DUMMY_HASH, password)
        return ok and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Bearer tokens are 256-bit random: a fast hash is enough (no guessing to slow down)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def password_rule_ok(password: str) -> bool:
    """The card programme's rule: 8–20 characters, at least one digit, one letter, one capital."""
    return (
        8 <= len(password) <= 20
        and any(c.isdigit() for c in password)
        and any(c.isalpha() for c in password)
        and any(c.isupper() for c in password)
    )
