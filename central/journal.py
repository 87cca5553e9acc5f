"""The terminals' journal witness (API.md 1.1): the heads each terminal sent, and its conflicts.

A terminal's journal is hash-chained on its own disk; anyone holding the file can rewrite it and
recompute the chain. The service keeps every distinct head (seq, hash) a terminal sent, so the
terminal's `journal verify` can check its chain still passes through each one. A head that goes
back (a lower seq than one recorded) or contradicts one (a known seq, another hash) is refused
`409 journal_conflict` and counted here for the administrator: `journal_conflicts(conn,
terminal_ids)` is what `hdf-central terminal list` shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from central.clock import fmt_instant
from central.models import journal_conflicts as conflicts_table
from central.models import journal_heads, terminal_archive_keys, terminals

HEADS_PAGE_MAX = 1000


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str
    received_at: datetime

    def body(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash, "received_at": fmt_instant(self.received_at)}


@dataclass(frozen=True)
class Recorded:
    """What `record_head` did: the head as recorded, or the conflict it found (`conflict` set:
    the head the terminal sent contradicts `head`, the one recorded)."""

    head: Head
    conflict: bool = False


def journal_conflicts(conn: Connection, terminal_ids: Sequence[str]) -> dict[str, int]:
    """How many heads each of these terminals sent were refused `journal_conflict` (absent: 0)."""
    if not terminal_ids:
        return {}
    rows = conn.execute(
        select(conflicts_table.c.terminal_id, func.count())
        .where(conflicts_table.c.terminal_id.in_(terminal_ids))
        .group_by(conflicts_table.c.terminal_id)
    )
    return {r[0]: int(r[1]) for r in rows}


def last_head(conn: Connection, terminal_id: str) -> Head | None:
    row = conn.execute(
        select(journal_heads)
        .where(journal_heads.c.terminal_id == terminal_id)
        .order_by(journal_heads.c.seq.desc())
        .limit(1)
    ).first()
    return None if row is None else Head(int(row.seq), row.hash, row.received_at)


def heads(conn: Connection, terminal_id: str, *, after: int, limit: int) -> list[Head]:
    """The recorded heads with a seq above `after`, oldest first, at most `limit`."""
    rows = conn.execute(
        select(journal_heads)
        .where(journal_heads.c.terminal_id == terminal_id, journal_heads.c.seq > after)
        .order_by(journal_heads.c.seq)
        .limit(limit)
    )
    return [Head(int(r.seq), r.hash, r.received_at) for r in rows]


def record_head(
    conn: Connection, terminal_id: str, seq: int, digest: str, received_at: datetime
) -> Recorded:
    """Record a head inside the caller's write transaction (the terminal's row is locked first, so
    two calls of one terminal are serialised on PostgreSQL; SQLite writes are serialised anyway).

    The same head again is the head as first recorded; a known seq with another hash, or a seq
    below the last recorded, is a conflict, stored in `journal_conflicts`."""
    conn.execute(select(terminals.c.id).where(terminals.c.id == terminal_id).with_for_update())
    same_seq = conn.execute(
        select(journal_heads).where(
            journal_heads.c.terminal_id == terminal_id, journal_heads.c.seq == seq
        )
    ).first()
    if same_seq is not None:
        known = Head(int(same_seq.seq), same_seq.hash, same_seq.received_at)
        if same_seq.hash == digest:
            return Recorded(known)
        return _conflict(conn, terminal_id, seq, digest, known, received_at)
    last = last_head(conn, terminal_id)
    if last is not None and seq < last.seq:
        return _conflict(conn, terminal_id, seq, digest, last, received_at)
    conn.execute(
        insert(journal_heads).values(
            terminal_id=terminal_id, seq=seq, hash=digest, received_at=received_at
        )
    )
    return Recorded(Head(seq, digest, received_at))


def _conflict(
    conn: Connection, terminal_id: str, seq: int, digest: str, known: Head, at: datetime
) -> Recorded:
    conn.execute(
        insert(conflicts_table).values(
            terminal_id=terminal_id,
            seq=seq,
            hash=digest,
            recorded_seq=known.seq,
            recorded_hash=known.hash,
            received_at=at,
        )
    )
    return Recorded(known, conflict=True)


def archive_key(conn: Connection, terminal_id: str) -> tuple[str, datetime] | None:
    """The public key (base64url, 32 bytes raw Ed25519) of this terminal's signed archives."""
    row = conn.execute(
        select(terminal_archive_keys).where(terminal_archive_keys.c.terminal_id == terminal_id)
    ).first()
    return None if row is None else (row.public_key, row.registered_at)


def register_archive_key(
    conn: Connection, terminal_id: str, public_key: str, at: datetime
) -> tuple[str, datetime, bool]:
    """Register it once (inside the caller's write transaction): (key, registered_at, True) when
    it is the key registered, False when another key was registered first (it stays)."""
    conn.execute(select(terminals.c.id).where(terminals.c.id == terminal_id).with_for_update())
    known = archive_key(conn, terminal_id)
    if known is not None:
        return known[0], known[1], known[0] == public_key
    conn.execute(
        insert(terminal_archive_keys).values(
            terminal_id=terminal_id, public_key=public_key, registered_at=at
        )
    )
    return public_key, at, True
