"""Period closings (issue 14, NF525's monthly and yearly closings): `close-month`, `close-year`.

A month is closed once it is over and every day of it that holds journal entries has its
`day_closing` (a day with no entry had no business to close). Its `month_closing` entry holds
the month's totals by wallet and kind (the sum of its day closings), the count, the net, the
perpetual grand total (the last day closing's) and the last hash of the journal. A year closes once
every month of it with entries is closed (`year_closing`, the sum of its month closings). After
that nothing is ever added to the period: `pos.journal.append` refuses a closed day, month or year
and moves an event recorded "now" to the first open day. Each closing is then sent to the service's
witness (`pos.sync.witness`), as a day closing is.
"""

from __future__ import annotations

import calendar
import json
import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pos import journal
from pos.domain import business_day, parse_instant, to_rfc3339, utc_now
from pos.results import Refusal, Refused
from pos.store import Store

MONTH_RE = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")
YEAR_RE = re.compile(r"^[0-9]{4}$")


@dataclass(frozen=True)
class PeriodClosing:
    period: str  # "YYYY-MM" or "YYYY"
    kind: str  # "month" or "year"
    closed_at: datetime
    count: int
    by_wallet: dict[str, int]
    by_kind: dict[str, int]
    net_amount_cents: int
    grand_total_cents: int
    last_hash: str
    seq: int
    parts: int  # the day closings (month) or month closings (year) it sums
    already_closed: bool = False
    hash: str = field(default="")


def _refused(message: str) -> Refused:
    return Refused(Refusal("validation_error", message))


def parse_month(text: str) -> tuple[int, int]:
    m = MONTH_RE.match(text.strip())
    if not m:
        raise _refused(f"Mois non valable : « {text} » (attendu AAAA-MM).")
    return int(m.group(1)), int(m.group(2))


def parse_year(text: str) -> int:
    if not YEAR_RE.match(text.strip()) or int(text) < 1:
        raise _refused(f"Année non valable : « {text} » (attendu AAAA).")
    return int(text)


def closing_of(entry: journal.Entry, *, already_closed: bool = False) -> PeriodClosing:
    ev = entry.event
    return PeriodClosing(
        period=str(ev["period"]),
        kind="month" if entry.type == "month_closing" else "year",
        closed_at=parse_instant(ev.get("closed_at")) or utc_now(),
        count=int(ev.get("count") or 0),
        by_wallet=dict(ev.get("by_wallet") or {}),
        by_kind=dict(ev.get("by_kind") or {}),
        net_amount_cents=int(ev.get("net_amount_cents") or 0),
        grand_total_cents=int(ev.get("grand_total_cents") or 0),
        last_hash=str(ev.get("last_hash") or ""),
        seq=entry.seq,
        parts=int(ev.get("parts") or 0),
        already_closed=already_closed,
        hash=entry.hash,
    )


def _existing(conn: sqlite3.Connection, etype: str, period: str) -> journal.Entry | None:
    row = conn.execute(
        "SELECT seq, day, type, event, hash FROM journal "
        "WHERE type = ? AND json_extract(event, '$.period') = ?",
        (etype, period),
    ).fetchone()
    if row is None:
        return None
    return journal.Entry(int(row[0]), row[1], row[2], json.loads(row[3]), row[4])


def _sum(events: Iterable[dict[str, Any]]) -> tuple[int, dict[str, int], dict[str, int], int]:
    count, net = 0, 0
    by_wallet: dict[str, int] = {}
    by_kind: dict[str, int] = {}
    for ev in events:
        count += int(ev.get("count") or 0)
        net += int(ev.get("net_amount_cents") or 0)
        for code, cents in (ev.get("by_wallet") or {}).items():
            by_wallet[code] = by_wallet.get(code, 0) + int(cents)
        for kind, cents in (ev.get("by_kind") or {}).items():
            by_kind[kind] = by_kind.get(kind, 0) + int(cents)
    return count, by_wallet, by_kind, net


class Periods:
    """Close months and years; list the closings (the manager's tab)."""

    def __init__(self, store: Store, send_head: Callable[[], object]) -> None:
        self.store = store
        self.send_head = send_head  # the witness, as after a day closing

    def close_month(self, month: str, today: date | None = None) -> PeriodClosing:
        year, mon = parse_month(month)
        period = f"{year:04d}-{mon:02d}"
        first = date(year, mon, 1)
        last = date(year, mon, calendar.monthrange(year, mon)[1])
        today = today or business_day()
        with self.store.transaction() as conn:
            existing = _existing(conn, "month_closing", period)
            if existing is not None:
                return closing_of(existing, already_closed=True)
            if last >= today:
                raise _refused(f"Le mois {period} n'est pas terminé : il se clôture ensuite.")
            closed = journal.closed_days(conn)
            busy = {
                str(r[0])
                for r in conn.execute(
                    "SELECT DISTINCT day FROM journal WHERE day BETWEEN ? AND ? "
                    "AND type != 'day_closing'",
                    (first.isoformat(), last.isoformat()),
                )
            }
            missing = sorted(busy - closed)
            if missing:
                raise _refused(
                    f"Journée(s) non clôturée(s) en {period} : {', '.join(missing)} "
                    "(hdf-pos close-day --date AAAA-MM-JJ d'abord)."
                )
            days = [
                e.event
                for e in journal.entries(conn, types=("day_closing",))
                if first.isoformat() <= e.day <= last.isoformat()
            ]
            entry = self._append(conn, "month_closing", period, days, last.isoformat())
        self.send_head()
        return closing_of(entry)

    def close_year(self, year_text: str, today: date | None = None) -> PeriodClosing:
        year = parse_year(year_text)
        period = f"{year:04d}"
        today = today or business_day()
        with self.store.transaction() as conn:
            existing = _existing(conn, "year_closing", period)
            if existing is not None:
                return closing_of(existing, already_closed=True)
            if date(year, 12, 31) >= today:
                raise _refused(f"L'année {period} n'est pas terminée.")
            busy = {
                str(r[0])[:7]
                for r in conn.execute(
                    "SELECT DISTINCT day FROM journal WHERE day BETWEEN ? AND ?",
                    (f"{period}-01-01", f"{period}-12-31"),
                )
            }
            months = {
                str(e.event["period"]): e.event
                for e in journal.entries(conn, types=("month_closing",))
                if str(e.event.get("period", "")).startswith(f"{period}-")
            }
            missing = sorted(busy - set(months))
            if missing:
                raise _refused(
                    f"Mois non clôturé(s) en {period} : {', '.join(missing)} "
                    "(hdf-pos close-month --month AAAA-MM d'abord)."
                )
            parts = [months[m] for m in sorted(months)]
            entry = self._append(conn, "year_closing", period, parts, f"{period}-12-31")
        self.send_head()
        return closing_of(entry)

    def _append(
        self,
        conn: sqlite3.Connection,
        etype: str,
        period: str,
        parts: list[dict[str, Any]],
        until: str,
    ) -> journal.Entry:
        """The closing entry; the perpetual grand total is the last day closing's up to `until`."""
        count, by_wallet, by_kind, net = _sum(parts)
        row = conn.execute(
            "SELECT event FROM journal WHERE type = 'day_closing' AND day <= ? "
            "ORDER BY day DESC LIMIT 1",
            (until,),
        ).fetchone()
        last_day = json.loads(row[0]) if row else None
        return journal.append(
            conn,
            etype,
            {
                "period": period,
                "closed_at": to_rfc3339(utc_now()),
                "parts": len(parts),
                "count": count,
                "by_wallet": by_wallet,
                "by_kind": by_kind,
                "net_amount_cents": net,
                "grand_total_cents": int(last_day.get("grand_total_cents") or 0) if last_day else 0,
                "last_hash": journal.last_hash(conn),
            },
        )

    def closings(self) -> list[PeriodClosing]:
        """Every month and year closing, newest first."""
        with self.store.reading() as conn:
            found = [closing_of(e) for e in journal.entries(conn, types=journal.PERIOD_CLOSINGS)]
        return found[::-1]
