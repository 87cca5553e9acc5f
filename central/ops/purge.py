"""`hdf-central purge --dry-run|--apply [--retention-years 3]`: the RGPD retention of holders' data.

Most holders are minors. Once a card is over (status `expired` or `replaced`, or every wallet's
validity ended) for longer than the retention setting, its holder's photo and names are erased;
the card row stays, with its number, dossier number and status, and so do its transactions (card
number and amounts: the accounts need them) and vouchers. docs/RETENTION.md is the table.

"Over since": the status change for `expired` / `replaced` cards (`status_since`), the end of the
last wallet's validity for the others. The instant is the service's settable clock.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    delete,
    exists,
    func,
    not_,
    or_,
    select,
    update,
)

from central.clock import business_day, now
from central.models import beneficiary_sessions, cards, wallets

DEFAULT_RETENTION_YEARS = 3
ERASED_NAME = ""  # first and last names become empty: the columns are NOT NULL


@dataclass(frozen=True)
class PurgeCounts:
    cards: int  # cards whose holder data is (or would be) erased
    photos: int
    names: int
    sessions: int  # beneficiary sessions of those cards, closed

    def describe(self) -> str:
        return (
            f"{self.cards} carte(s) : {self.photos} photo(s), {self.names} nom(s) de titulaire, "
            f"{self.sessions} session(s) bénéficiaire"
        )


def cutoff(at: datetime, years: int) -> datetime:
    """The instant `years` years before `at` (29 February falls back to the 28th)."""
    try:
        return at.replace(year=at.year - years)
    except ValueError:
        return (at - timedelta(days=1)).replace(year=at.year - years)


def _over_before(limit: datetime) -> ColumnElement[bool]:
    """Cards over since before `limit`: ended by status, or every wallet's validity ended."""
    last_day: date = business_day(limit)
    any_wallet = exists().where(wallets.c.card_id == cards.c.id)
    wallet_still_valid = exists().where(
        wallets.c.card_id == cards.c.id, wallets.c.valid_to >= last_day
    )
    return or_(
        and_(cards.c.status.in_(("expired", "replaced")), cards.c.status_since < limit),
        and_(any_wallet, not_(wallet_still_valid)),
    )


def _not_yet_erased() -> ColumnElement[bool]:
    return or_(
        cards.c.photo_jpeg.is_not(None),
        cards.c.first_name != ERASED_NAME,
        cards.c.last_name != ERASED_NAME,
    )


def purge(conn: Connection, *, retention_years: int, apply: bool) -> PurgeCounts:
    """Count (and with `apply`, erase) the holder data kept past the retention setting."""
    if retention_years < 1:
        raise ValueError("la durée de conservation est d'au moins 1 an")
    due = and_(_over_before(cutoff(now(), retention_years)), _not_yet_erased())
    named = or_(cards.c.first_name != ERASED_NAME, cards.c.last_name != ERASED_NAME)
    ids = select(cards.c.id).where(due).scalar_subquery()
    row = conn.execute(
        select(
            func.count(),
            func.count(cards.c.photo_jpeg),
            func.coalesce(func.sum(case((named, 1), else_=0)), 0),
        ).where(due)
    ).one()
    sessions = conn.execute(
        select(func.count())
        .select_from(beneficiary_sessions)
        .where(beneficiary_sessions.c.card_id.in_(ids))
    ).scalar_one()
    counts = PurgeCounts(cards=row[0], photos=row[1], names=int(row[2]), sessions=sessions)
    if apply and counts.cards:
        conn.execute(delete(beneficiary_sessions).where(beneficiary_sessions.c.card_id.in_(ids)))
        conn.execute(
            update(cards)
            .where(due)
            .values(photo_jpeg=None, first_name=ERASED_NAME, last_name=ERASED_NAME)
        )
    return counts


def cmd_purge(args: argparse.Namespace) -> int:
    from central.cli_admin import _change  # one write transaction, "refusé : …" on ValueError

    def done(counts: PurgeCounts) -> str:
        if args.apply:
            return f"effacé : {counts.describe()} (transactions conservées)"
        return f"à effacer : {counts.describe()} — essai à blanc, rien n'a été modifié"

    return _change(
        args.database,
        lambda conn: purge(conn, retention_years=args.retention_years, apply=args.apply),
        done,
        refused=ValueError,
    )
