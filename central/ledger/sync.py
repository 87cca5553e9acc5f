"""Queued offline operations (`/v1/sync`): when one may still be applied, and the card's status at
the instant it happened (card status, wallet validity and the QR token are judged at
`occurred_at`, funds at arrival)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from central.clock import now
from central.errors import validation
from central.ledger.common import Judged, Partner
from central.models import card_events

FUTURE_LEEWAY = timedelta(minutes=5)


def judge_offline(partner: Partner, at: datetime) -> Judged:
    """How a queued operation that happened at `at` is judged; refused when it is older than the
    partner's `max_age_hours` or dated in the future (beyond a little clock drift)."""
    arrival = now()
    if at < arrival - timedelta(hours=partner.max_age_hours):
        raise validation(f"Opération hors ligne trop ancienne (> {partner.max_age_hours} h).")
    if at > arrival + FUTURE_LEEWAY:
        raise validation("Opération datée dans le futur : vérifiez l'horloge du terminal.")
    return Judged(at, offline=True)


def status_at(conn: Connection, card_id: int, current: str, current_since: datetime, at: datetime):
    """The card's status at instant `at` (for synced offline operations)."""
    if current_since <= at:
        return current
    row = conn.execute(
        select(card_events.c.status)
        .where(card_events.c.card_id == card_id, card_events.c.since <= at)
        .order_by(card_events.c.since.desc(), card_events.c.id.desc())
        .limit(1)
    ).first()
    return row.status if row else "active"
