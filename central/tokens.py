"""The life cycle of terminal tokens (API.md 1.1): idle expiry, rotation, the last use.

- A token unused for 30 days stops working (401). The last use is written at most once a minute
  per terminal (`LAST_USE_EVERY`), never on every request: `judge` says when a use needs writing.
- `POST /v1/terminals/current/token` (`rotate`) issues a new token. The token that asked keeps
  working for 10 minutes or until the new one is first used, whichever comes first: a terminal
  that crashed before storing the new token rotates again with the old one (and the lost token
  stops working then, replaced).
- Only hashes are stored (`central.security.token_hash`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, or_, select, update

from central.errors import unauthorized
from central.models import partners, terminals
from central.security import new_token, token_hash

IDLE_LIMIT = timedelta(days=30)
ROTATION_GRACE = timedelta(minutes=10)
LAST_USE_EVERY = timedelta(minutes=1)

# Built once: every terminal request runs it. A token is this terminal's current one, or the one
# a rotation replaced (judged by `judge`).
TERMINAL_BY_TOKEN = (
    select(
        terminals.c.id.label("terminal_id"),
        terminals.c.label,
        terminals.c.token_hash.label("current_hash"),
        terminals.c.previous_token_hash,
        terminals.c.previous_valid_until,
        terminals.c.last_used_at,
        terminals.c.created_at.label("enrolled_at"),
        partners,
    )
    .select_from(terminals.join(partners, partners.c.id == terminals.c.partner_id))
    .where(
        or_(
            terminals.c.token_hash == bindparam("token_hash"),
            terminals.c.previous_token_hash == bindparam("token_hash"),
        ),
        terminals.c.revoked_at.is_(None),
    )
)


@dataclass(frozen=True)
class Use:
    """A use of a token that must be written: the terminal's last use, and (`promote`, the new
    token's hash) the end of the token a rotation replaced, now that the new one is used."""

    terminal_id: str
    at: datetime
    promote: str | None = None


def judge(row: Any, presented: str, at: datetime) -> Use | None:
    """Raise 401 when the presented token (its hash) no longer works; else the write this use
    needs, if any."""
    current = row.current_hash == presented
    if not current and (row.previous_valid_until is None or row.previous_valid_until <= at):
        raise unauthorized()
    last = row.last_used_at or row.enrolled_at
    if last <= at - IDLE_LIMIT:
        raise unauthorized("Jeton inutilisé depuis 30 jours : enrôlez le terminal à nouveau.")
    promote = presented if current and row.previous_token_hash is not None else None
    if promote or row.last_used_at is None or row.last_used_at <= at - LAST_USE_EVERY:
        return Use(row.terminal_id, at, promote)
    return None


def record(conn: Connection, use: Use) -> None:
    conn.execute(
        update(terminals)
        .where(
            terminals.c.id == use.terminal_id,
            or_(terminals.c.last_used_at.is_(None), terminals.c.last_used_at < use.at),
        )
        .values(last_used_at=use.at)
    )
    if use.promote:
        conn.execute(
            update(terminals)
            .where(terminals.c.id == use.terminal_id, terminals.c.token_hash == use.promote)
            .values(previous_token_hash=None, previous_valid_until=None)
        )


def rotate(conn: Connection, terminal_id: str, presented: str, at: datetime) -> str:
    """A new token for this terminal; the presented one (its hash) stays valid for a while."""
    token = new_token()
    done = conn.execute(
        update(terminals)
        .where(terminals.c.id == terminal_id, terminals.c.revoked_at.is_(None))
        .values(
            token_hash=token_hash(token),
            previous_token_hash=presented,
            previous_valid_until=at + ROTATION_GRACE,
            last_used_at=at,
        )
    )
    if done.rowcount != 1:
        raise unauthorized()
    return token
