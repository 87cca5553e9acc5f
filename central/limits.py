"""Rate limits kept in the database, so they hold across worker processes and hosts.

Each limit is one row of `rate_limits`, changed by ONE statement (INSERT … ON CONFLICT DO UPDATE …
WHERE … RETURNING) that both checks and counts: two requests at the same instant, in two threads or
two processes, cannot both read "4 failures" and both go on (the row is locked by the statement on
PostgreSQL; SQLite writes are serialised). No row comes back when the limit is reached.

- Logins (`POST /v1/terminals`, `POST /v1/beneficiary/session`): a failure is counted BEFORE the
  password is checked (a slot is taken), and given back when the password was right; a try refused
  with 429 takes no slot. 5 a minute per identifier, 20 a minute per client address, in a window
  opened by the first failure.
- Look-ups (`GET /v1/cards/{n}` and its photo): a token bucket per terminal, 20 tokens, one more
  each second (60 a minute in bursts of 20); a 404 costs a token too. HDF_CENTRAL_LOOKUP_LIMIT
  ("PER_MINUTE/BURST") changes it for an installation (the test harness raises it for the tests
  of everything else; the limit's own tests run with the default).
"""

from __future__ import annotations

import functools
import ipaddress
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Double, and_, bindparam, case, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from starlette.requests import Request

from central.clock import now
from central.db import Database
from central.errors import ApiError
from central.models import rate_limits

LOGIN_WINDOW_S = 60.0
LOGIN_FAILURES_PER_IDENTIFIER = 5
LOGIN_FAILURES_PER_ADDRESS = 20
TRUSTED_PROXIES_ENV = "HDF_CENTRAL_TRUSTED_PROXIES"
LOOKUP_LIMIT_ENV = "HDF_CENTRAL_LOOKUP_LIMIT"


def lookup_limit(setting: str | None) -> tuple[int, float]:
    """(burst, tokens a second) from "PER_MINUTE/BURST" (default "60/20": API.md's)."""
    if not setting:
        return 20, 1.0
    per_minute, _, burst = setting.partition("/")
    try:
        values = int(per_minute), int(burst)
    except ValueError:
        values = (0, 0)
    if min(values) < 1:
        raise ValueError(f"{LOOKUP_LIMIT_ENV} : « PAR_MINUTE/RAFALE » attendu, pas « {setting} »")
    return values[1], values[0] / 60.0


# Read once per process: `serve` hands its environment to its workers.
LOOKUP_BURST, LOOKUPS_PER_SECOND = lookup_limit(os.environ.get(LOOKUP_LIMIT_ENV))
LOOKUP_REFILL_S = LOOKUP_BURST / LOOKUPS_PER_SECOND  # an untouched bucket is full again

_r = rate_limits.c
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _instant() -> float:
    return now().timestamp()


def _insert(conn: Connection):  # the dialect's own Insert (ON CONFLICT)
    return (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(rate_limits)


def refused(retry_after: float) -> ApiError:
    seconds = max(1, math.ceil(retry_after))
    err = ApiError(429, "rate_limited", f"Trop d'essais : réessayez dans {seconds} s.")
    err.headers["Retry-After"] = str(seconds)
    return err


# ---- fixed windows (login failures) -----------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """A failure counted in advance: `subject`'s window opened at `since`."""

    subject: str
    since: float


def take_slot(conn: Connection, subject: str, limit: int, window: float = LOGIN_WINDOW_S) -> Slot:
    """Count one failure for `subject`, or raise 429 when `limit` are already in its window."""
    at = _instant()
    expired = _r.since <= literal(at - window, Double)
    stmt = (
        _insert(conn)
        .values(subject=subject, amount=1.0, since=at)
        .on_conflict_do_update(
            index_elements=[_r.subject],
            set_={
                "amount": case((expired, 1.0), else_=_r.amount + 1.0),
                "since": case((expired, literal(at, Double)), else_=_r.since),
            },
            where=or_(expired, _r.amount < limit),
        )
        .returning(_r.since)
    )
    row = conn.execute(stmt).first()
    if row is None:
        since = conn.execute(select(_r.since).where(_r.subject == subject)).scalar_one()
        raise refused(min(window, since + window - at))
    return Slot(subject, float(row.since))


def give_back(conn: Connection, slots: Sequence[Slot]) -> None:
    """The password was right: the slots taken for it were not failures."""
    for slot in slots:
        conn.execute(
            update(rate_limits)
            .where(_r.subject == slot.subject, _r.since == slot.since, _r.amount > 0)
            .values(amount=_r.amount - 1.0)
        )


def login_attempt(db: Database, *, identity: str, address: str, check: Callable[[], bool]) -> bool:
    """Take a failure slot for the identity and for the address (both, or neither and 429), run
    the password `check`, give the slots back when it succeeded. Returns the check's result."""
    with db.write() as conn:
        slots = [
            take_slot(conn, f"login:{identity}"[:200], LOGIN_FAILURES_PER_IDENTIFIER),
            take_slot(conn, f"addr:{address}"[:200], LOGIN_FAILURES_PER_ADDRESS),
        ]
    ok = check()
    if ok:
        with db.write() as conn:
            give_back(conn, slots)
    return ok


# ---- token bucket (look-ups) -------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _take_token_statement(dialect: str, burst: float, rate: float) -> Any:
    """take_token's statement for one dialect and bucket size, built once: building it took
    about half the CPU of a look-up (0.5 ms). The subject and the instant are bound per call."""
    at = bindparam("p_at", type_=Double)
    elapsed = at - _r.since
    elapsed = case((elapsed > 0, elapsed), else_=0.0)
    refilled = _r.amount + elapsed * rate
    refilled = case((refilled > burst, float(burst)), else_=refilled)
    insert_of = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert_of(rate_limits)
        .values(subject=bindparam("p_subject"), amount=float(burst) - 1.0, since=at)
        .on_conflict_do_update(
            index_elements=[_r.subject],
            set_={"amount": refilled - 1.0, "since": at},
            where=refilled >= 1.0,
        )
        .returning(_r.amount)
    )


def take_token(
    conn: Connection,
    subject: str,
    *,
    burst: float = LOOKUP_BURST,
    rate: float = LOOKUPS_PER_SECOND,
) -> None:
    """Spend one token of `subject`'s bucket, or raise 429 with the wait for the next one."""
    at = _instant()
    stmt = _take_token_statement(conn.dialect.name, burst, rate)
    if conn.execute(stmt, {"p_subject": subject, "p_at": at}).first() is None:
        row = conn.execute(select(_r.amount, _r.since).where(_r.subject == subject)).one()
        have = min(burst, row.amount + max(0.0, at - row.since) * rate)
        raise refused((1.0 - have) / rate)


def take_lookup(db: Database, terminal_id: str, read: Connection | None = None) -> None:
    """Spend a look-up token of this terminal. On PostgreSQL a read connection (autocommit) runs
    the one statement itself, atomic alone: two round trips fewer than a transaction."""
    if read is not None and db.is_postgres:
        take_token(read, f"lookup:{terminal_id}")
        return
    with db.write() as conn:
        take_token(conn, f"lookup:{terminal_id}")


def purge(conn: Connection) -> None:
    """Forget rows that no longer limit anything (a full bucket, an expired window)."""
    at = _instant()
    conn.execute(
        rate_limits.delete().where(
            or_(
                and_(
                    _r.subject.like("lookup:%"), _r.since < at - LOOKUP_BURST / LOOKUPS_PER_SECOND
                ),
                and_(_r.subject.notlike("lookup:%"), _r.since < at - LOGIN_WINDOW_S),
            )
        )
    )


# ---- the client's address ---------------------------------------------------------------------


def trusted_proxies(
    setting: str | None = None,
) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The proxies whose X-Forwarded-For is believed (`serve --trusted-proxies`, or the
    HDF_CENTRAL_TRUSTED_PROXIES variable): addresses or networks, separated by commas."""
    text = os.environ.get(TRUSTED_PROXIES_ENV, "") if setting is None else setting
    return [ipaddress.ip_network(p.strip(), strict=False) for p in text.split(",") if p.strip()]


def _is_trusted(address: str, proxies: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in proxies)


def client_address(request: Request) -> str:
    """The TCP peer, unless it is a trusted proxy: then the nearest address of X-Forwarded-For
    that is not itself a trusted proxy (the ones before it could be written by the client)."""
    peer = request.client.host if request.client else "unknown"
    proxies: list[Network] = request.app.state.proxies
    if not proxies or not _is_trusted(peer, proxies):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _is_trusted(hop, proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a hop that is no address: trust nothing the header says
    return peer
