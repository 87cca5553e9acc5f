"""The append-only, hash-chained journal (inspired by NF525): every event the terminal records.

`hash = sha256(prev_hash + canonical_json(event))`, canonical = sorted keys, no spaces, UTF-8. The
event carries its own `seq`, `type`, `day` and `recorded_at`, so renumbering, moving a row to
another day or changing its type breaks the chain as surely as editing an amount. The head (last
seq and hash) is also kept apart, so deleting the last rows is caught too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pos.domain import business_day, to_rfc3339, utc_now

GENESIS = "0" * 64
# Privacy inside inalterability: the chain covers `holder_digest` = HMAC-SHA256(the month's key,
# name); the name sits in `journal_names` (outside the chain) until `erase_names` removes it with
# the month's key, so nothing left in the file links a digest back to a name.
NAME_FIELD = "holder_name"
DIGEST_FIELD = "holder_digest"


def canonical_json(event: dict[str, Any]) -> str:
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, event: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(event)).encode("utf-8")).hexdigest()


class DayClosedError(RuntimeError):
    pass


@dataclass(frozen=True)
class Entry:
    seq: int
    day: str
    type: str
    event: dict[str, Any]
    hash: str


@dataclass(frozen=True)
class Verification:
    ok: bool
    rows: int
    first_bad_row: int | None = None
    reason: str | None = None


def closed_days(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT day FROM journal WHERE type = 'day_closing'")}


PERIOD_CLOSINGS = ("month_closing", "year_closing")


def closed_periods(conn: sqlite3.Connection) -> set[str]:
    """The closed months ("YYYY-MM") and years ("YYYY") (`pos.periods`)."""
    rows = conn.execute(
        "SELECT json_extract(event, '$.period') FROM journal WHERE type IN (?, ?)",
        PERIOD_CLOSINGS,
    )
    return {str(r[0]) for r in rows}


def period_closed(conn: sqlite3.Connection, day: str) -> bool:
    """Is the month or the year of `day` closed?"""
    periods = closed_periods(conn)
    return day[:7] in periods or day[:4] in periods


def _closed(day: str, days: set[str], periods: set[str]) -> bool:
    return day in days or day[:7] in periods or day[:4] in periods


def open_day(conn: sqlite3.Connection, today: date) -> str:
    """The day an event recorded now belongs to: today, or the first later day not closed
    (nothing is ever added to a closed day, month or year)."""
    closed, periods = closed_days(conn), closed_periods(conn)
    day = today
    while _closed(day.isoformat(), closed, periods):
        day = date.fromordinal(day.toordinal() + 1)
    return day.isoformat()


def append(
    conn: sqlite3.Connection,
    event_type: str,
    payload: dict[str, Any],
    *,
    day: str | None = None,
) -> Entry:
    """Append one event inside the caller's write transaction and return it."""
    head = conn.execute("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
    seq = 1 if head is None else int(head[0]) + 1
    prev_hash = GENESIS if head is None else str(head[1])
    now = utc_now()
    if day is None:
        day = open_day(conn, business_day(now))
    elif _closed(day, closed_days(conn), closed_periods(conn)):
        raise DayClosedError(day)
    recorded_at = to_rfc3339(now)
    event = {**payload, "seq": seq, "type": event_type, "day": day, "recorded_at": recorded_at}
    name = event.pop(NAME_FIELD, None) if NAME_FIELD in event else None
    if NAME_FIELD in payload:
        month = recorded_at[:7]
        event[DIGEST_FIELD] = name_digest(_name_key(conn, month), name) if name else None
    digest = chain_hash(prev_hash, event)
    conn.execute(
        "INSERT INTO journal (seq, recorded_at, day, type, event, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (seq, recorded_at, day, event_type, canonical_json(event), prev_hash, digest),
    )
    if name:
        conn.execute(
            "INSERT INTO journal_names (seq, holder_name, month, recorded_at) VALUES (?, ?, ?, ?)",
            (seq, str(name), recorded_at[:7], recorded_at),
        )
    conn.execute(
        "INSERT INTO state (key, value) VALUES ('journal_head', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (json.dumps({"seq": seq, "hash": digest}),),
    )
    return Entry(seq, day, event_type, event, digest)


def entries(
    conn: sqlite3.Connection, *, day: str | None = None, types: tuple[str, ...] = ()
) -> Iterator[Entry]:
    """The entries, oldest first; an event whose holder's name is still kept gets it back as
    `holder_name` (erased: "")."""
    sql = (
        "SELECT j.seq, j.day, j.type, j.event, j.hash, n.holder_name FROM journal j "
        "LEFT JOIN journal_names n ON n.seq = j.seq"
    )
    where, params = [], []
    if day is not None:
        where.append("j.day = ?")
        params.append(day)
    if types:
        where.append(f"j.type IN ({','.join('?' * len(types))})")
        params.extend(types)
    if where:
        sql += " WHERE " + " AND ".join(where)
    for row in conn.execute(sql + " ORDER BY j.seq", params):
        event = json.loads(row[3])
        if DIGEST_FIELD in event:
            event[NAME_FIELD] = row[5] or ""
        yield Entry(int(row[0]), row[1], row[2], event, row[4])


def name_digest(key: bytes, name: str) -> str:
    return hmac.digest(key, name.encode("utf-8"), "sha256").hex()


def _name_key(conn: sqlite3.Connection, month: str) -> bytes:
    row = conn.execute("SELECT key FROM journal_name_keys WHERE month = ?", (month,)).fetchone()
    if row is not None:
        return bytes(row[0])
    key = secrets.token_bytes(32)
    conn.execute("INSERT INTO journal_name_keys (month, key) VALUES (?, ?)", (month, key))
    return key


def _name_cutoff(now: datetime, retention_days: int) -> str:
    return to_rfc3339(now - timedelta(days=max(0, retention_days)))


def names_to_erase(conn: sqlite3.Connection, now: datetime, retention_days: int) -> bool:
    """Is a name past its retention? (A read: the erasure's write happens only when needed.)"""
    cutoff = _name_cutoff(now, retention_days)
    sql = "SELECT 1 FROM journal_names WHERE recorded_at < ? LIMIT 1"
    return conn.execute(sql, (cutoff,)).fetchone() is not None


def erase_names(conn: sqlite3.Connection, now: datetime, retention_days: int) -> int:
    """Erase the holders' names recorded more than `retention_days` ago, and the keys of the
    months with no name left up to then (inside the caller's write transaction); the chain is
    untouched. Returns how many names went."""
    cutoff = _name_cutoff(now, retention_days)
    conn.execute("PRAGMA secure_delete = ON")  # the freed pages are zeroed, not left readable
    gone = conn.execute("DELETE FROM journal_names WHERE recorded_at < ?", (cutoff,)).rowcount
    conn.execute(
        "DELETE FROM journal_name_keys WHERE month <= ? AND month NOT IN "
        "(SELECT DISTINCT month FROM journal_names)",
        (cutoff[:7],),
    )
    return int(gone or 0)


def _names_hold(conn: sqlite3.Connection) -> Verification | None:
    """Each name still kept matches the digest its chained entry holds (None: all do)."""
    keys = {str(m): bytes(k) for m, k in conn.execute("SELECT month, key FROM journal_name_keys")}
    for seq, name, month, digest in conn.execute(
        "SELECT n.seq, n.holder_name, n.month, "
        "CASE WHEN json_valid(j.event) THEN json_extract(j.event, '$.holder_digest') END "
        "FROM journal_names n LEFT JOIN journal j ON j.seq = n.seq ORDER BY n.seq"
    ):
        if digest is None:
            return Verification(False, 0, int(seq), f"ligne {seq} supprimée (son nom reste)")
        key = keys.get(str(month))
        if key is None or digest != name_digest(key, str(name)):
            return Verification(False, 0, int(seq), f"ligne {seq} : nom du titulaire modifié")
    return None


def latest_event(conn: sqlite3.Connection, event_type: str) -> dict[str, Any] | None:
    """The event of the last entry of `event_type`, None when there is none."""
    row = conn.execute(
        "SELECT event FROM journal WHERE type = ? ORDER BY seq DESC LIMIT 1", (event_type,)
    ).fetchone()
    return None if row is None else dict(json.loads(row[0]))


def last_hash(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT hash FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
    return GENESIS if row is None else str(row[0])


def verify(conn: sqlite3.Connection) -> Verification:
    """Recompute the whole chain; name the first row that does not hold."""
    head_row = conn.execute("SELECT value FROM state WHERE key = 'journal_head'").fetchone()
    head = json.loads(head_row[0]) if head_row is not None else None
    head_seq = int(head.get("seq", 0)) if head else 0
    hash_at_head: str | None = None
    expected_seq = 1
    prev_hash = GENESIS
    rows = 0
    sha256 = hashlib.sha256
    # Streamed, and SQLite reads the three members the columns are checked against (C, one
    # parse): the chain is checked on the stored text itself, which `append` wrote canonical.
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: a million rows
    for seq, day, etype, text, stored_prev, stored_hash, members in cursor.execute(
        "SELECT seq, day, type, event, prev_hash, hash, "
        "CASE WHEN json_valid(event) THEN json_extract(event, '$.seq', '$.day', '$.type') END "
        "FROM journal ORDER BY seq"
    ):
        rows += 1
        if seq != expected_seq:
            if seq > expected_seq:
                return Verification(False, rows, expected_seq, f"ligne {expected_seq} supprimée")
            return Verification(False, rows, seq, f"ligne {seq} insérée ou dupliquée")
        if members is None:
            return Verification(False, rows, seq, f"ligne {seq} illisible")
        if stored_prev != prev_hash:
            return Verification(False, rows, seq, f"ligne {seq} : chaînage rompu")
        if (
            sha256((prev_hash + text).encode()).hexdigest() != stored_hash
            and chain_hash(prev_hash, json.loads(text)) != stored_hash  # not stored canonical
        ):
            return Verification(False, rows, seq, f"ligne {seq} modifiée (empreinte fausse)")
        if members != f'[{seq},"{day}","{etype}"]':  # else compare them decoded
            if tuple(json.loads(members)) != (seq, day, etype):
                return Verification(False, rows, seq, f"ligne {seq} modifiée (colonnes)")
        if seq == head_seq:
            hash_at_head = stored_hash
        prev_hash = stored_hash
        expected_seq += 1
    last_seq = expected_seq - 1
    if head is None:
        if rows:
            return Verification(False, rows, 1, "tête du journal absente")
        names = _names_hold(conn)
        if names is not None:
            return Verification(False, rows, names.first_bad_row, names.reason)
        return Verification(True, rows)
    if head_seq > last_seq:
        return Verification(False, rows, last_seq + 1, f"ligne {last_seq + 1} supprimée (fin)")
    if hash_at_head != head.get("hash"):
        return Verification(False, rows, head_seq, f"ligne {head_seq} modifiée (tête)")
    if head_seq < last_seq:
        return Verification(False, rows, head_seq + 1, f"ligne {head_seq + 1} ajoutée hors journal")
    names = _names_hold(conn)
    if names is not None:
        return Verification(False, rows, names.first_bad_row, names.reason)
    return Verification(True, rows)
