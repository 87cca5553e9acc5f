"""Idempotency keys: a money-moving request under a known key is answered from the stored response.

The key row is written in the same transaction as the operation it records, so a response is
stored exactly when its effects are. A concurrent repeat is detected on PostgreSQL with a
transaction-scoped advisory lock on (scope, key): a single call that cannot take it answers
`409 idempotency_in_progress`; a sync item waits for it instead (then sees the stored outcome). On
SQLite, write transactions are serialised, so a repeat simply waits and is replayed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, text
from sqlalchemy.exc import IntegrityError

from central.clock import now
from central.db import Database
from central.errors import ApiError, dumps
from central.models import idempotency_keys

RETENTION = timedelta(days=45)  # API.md: at least 30 days


@dataclass(frozen=True)
class Outcome:
    status: int
    body: bytes
    replayed: bool


def request_hash(operation: str, fingerprint: Any) -> str:
    raw = json.dumps([operation, fingerprint], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _lock_id(scope: str, key: str) -> int:
    digest = hashlib.sha256(f"{scope}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


_LOOKUP = select(
    idempotency_keys.c.request_hash,
    idempotency_keys.c.status_code,
    idempotency_keys.c.response_body,
).where(idempotency_keys.c.scope == bindparam("scope"), idempotency_keys.c.key == bindparam("key"))
_INSERT = insert(idempotency_keys)


_TRY_LOCK_AND_READ = text(
    "SELECT pg_try_advisory_xact_lock(:lock) AS ok, k.request_hash, k.status_code,"
    " k.response_body FROM (SELECT 1) AS one"
    " LEFT JOIN idempotency_keys AS k ON k.scope = :scope AND k.key = :key"
)
_LOCK_AND_READ = text(
    "SELECT pg_advisory_xact_lock(:lock) AS ok, k.request_hash, k.status_code,"
    " k.response_body FROM (SELECT 1) AS one"
    " LEFT JOIN idempotency_keys AS k ON k.scope = :scope AND k.key = :key"
)


def _claim(conn: Connection, scope: str, key: str, *, postgres: bool, wait: bool) -> Any:
    """Take the key's lock (PostgreSQL) and read what is stored under it, in one round trip."""
    if not postgres:
        return conn.execute(_LOOKUP, {"scope": scope, "key": key}).first()
    lock = _lock_id(scope, key)
    # One round trip. The row is read in the statement's snapshot, taken before the lock is: a
    # request holding the lock and finishing while we wait (or just before we try) goes unseen
    # here; then its committed key row makes our own insert fail, and the whole transaction is
    # rolled back and retried (see `run`), which replays it. Nothing is applied twice.
    statement = _LOCK_AND_READ if wait else _TRY_LOCK_AND_READ
    row = conn.execute(statement, {"lock": lock, "scope": scope, "key": key}).first()
    if not wait and row is not None and not row.ok:
        raise ApiError(
            409,
            "idempotency_in_progress",
            "Une requête avec cette clé est en cours : réessayez dans un instant.",
        )
    if row is None or row.request_hash is None:
        return None
    return row


def _check(row: Any, req_hash: str) -> Outcome | None:
    if row is None:
        return None
    if row.request_hash != req_hash:
        raise ApiError(
            409,
            "idempotency_conflict",
            "Cette clé d'idempotence a déjà servi pour une autre requête.",
        )
    return Outcome(row.status_code, row.response_body.encode("utf-8"), True)


def run(
    db: Database,
    *,
    scope: str,
    key: str,
    req_hash: str,
    operation: Callable[[Connection], tuple[int, dict[str, Any]]],
    wait: bool = False,
    store_refusals: bool = True,
    begin: Callable[[Connection], str] | None = None,
) -> Outcome:
    """Run `operation` once for (scope, key); a repeat gets the stored outcome.

    `operation` returns (status, body) or raises ApiError before writing anything; refusals are
    stored too (the same request gets the same answer). Raises ApiError for a conflict or a
    request in progress (those are not stored). `begin(conn)`, when given, runs first in the same
    transaction (authentication, checking the key's format) and returns the scope.
    """
    key = key.lower()
    for attempt in range(5):
        try:
            with db.write() as conn:
                if begin is not None:
                    scope = begin(conn)
                row = _claim(conn, scope, key, postgres=db.is_postgres, wait=wait)
                stored = _check(row, req_hash)
                if stored is not None:
                    return stored
                try:
                    status, body = operation(conn)
                    raw = dumps(body)
                except ApiError as err:
                    # A malformed request (400) is not stored: once fixed, it may be sent again.
                    if not store_refusals or err.status == 400:
                        raise
                    status, raw = err.status, dumps(err.body())
                conn.execute(
                    _INSERT,
                    {
                        "scope": scope,
                        "key": key,
                        "request_hash": req_hash,
                        "status_code": status,
                        "response_body": raw.decode("utf-8"),
                        "created_at": now(),
                    },
                )
                return Outcome(status, raw, False)
        except IntegrityError:
            # A random transaction or ticket number collided (rare), or a concurrent request
            # stored this key first: the whole transaction was rolled back; try again (fresh
            # numbers, or a replay of the stored response).
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def purge(conn: Connection) -> int:
    """Forget keys older than the retention period."""
    return conn.execute(
        delete(idempotency_keys).where(idempotency_keys.c.created_at < now() - RETENTION)
    ).rowcount
