"""Queued operations (`/v1/sync`, API.md version 1.1): how an item is judged, and the offline caps
the service re-checks.

An item without `replay: true` is an offline operation: a payment must be proven by the card's QR
(`offline_not_allowed` otherwise), its card status, wallet validity and token are judged at its
`occurred_at`, the partner's `offline_policy` caps are re-checked (`offline_limit_exceeded`), and
funds are judged at arrival. An item with `replay: true` is an online call whose answer was lost:
judged as that call would be on arrival (a QR one has its token, card status and validity judged
at `occurred_at`), without caps. Every item must lie within `max_age_hours` before its arrival and
at most 5 minutes after it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Connection, and_, bindparam, case, func, select

from central.clock import now, parse_instant
from central.errors import ApiError, validation
from central.ledger.common import Judged, Partner, TerminalCaller
from central.models import card_events, transactions

FUTURE_LEEWAY = timedelta(minutes=5)


def item_instant(text: str) -> datetime:
    """An item's `occurred_at`: one that does not parse, or parses out of range, rejects that
    item alone (422 validation_error)."""
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise validation(
            "occurred_at illisible ou hors limites (RFC 3339 avec fuseau attendu)."
        ) from exc


def judge_item(partner: Partner, at: datetime, *, replay: bool, with_token: bool) -> Judged:
    """How a queued operation that happened at `at` is judged; refused when it is older than the
    partner's `max_age_hours` or more than 5 minutes after its arrival (the terminal's clock)."""
    arrival = now()
    if at < arrival - timedelta(hours=partner.max_age_hours):
        raise validation(f"Opération hors ligne trop ancienne (> {partner.max_age_hours} h).")
    if at > arrival + FUTURE_LEEWAY:
        raise validation("Opération datée dans le futur : vérifiez l'horloge du terminal.")
    if not replay:
        return Judged(at, offline=True, occurred_at=at)
    # A lost online answer: a QR one is judged when the card was presented (its token is only
    # valid then), a typed one as the online call would be now.
    return Judged(at if with_token else arrival, offline=False, occurred_at=at)


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


# ---- offline caps ------------------------------------------------------------------------------

_T = transactions.c
_AMOUNT = _T.amount_cents
# This terminal's applied (not cancelled) offline payments on one card, summed two ways in one
# round trip: those within the window (`max_age_hours` before the item), and those on the
# token's wallet the service had not recorded at the token's `iat`.
_OFFLINE_TAKEN = select(
    func.coalesce(
        func.sum(
            case(
                (
                    and_(
                        _T.occurred_at > bindparam("window_start"),
                        _T.occurred_at <= bindparam("at"),
                    ),
                    _AMOUNT,
                ),
                else_=0,
            )
        ),
        0,
    ).label("card_total"),
    func.coalesce(
        func.sum(
            case(
                (
                    and_(
                        _T.wallet_code == bindparam("wallet_code"),
                        _T.recorded_at > bindparam("iat"),
                    ),
                    _AMOUNT,
                ),
                else_=0,
            )
        ),
        0,
    ).label("unseen"),
).where(
    _T.terminal_id == bindparam("terminal_id"),
    _T.card_id == bindparam("card_id"),
    _T.kind == "counter_payment",
    _T.offline.is_(True),
    _T.status == "completed",
)
_CAPS_LOCK = select(func.pg_advisory_xact_lock(bindparam("lock", type_=BigInteger)))


def _limit(detail: str) -> ApiError:
    return ApiError(422, "offline_limit_exceeded", detail)


def caps_lock(conn: Connection, terminal_id: str, card_number: str) -> int | None:
    """The advisory lock that serialises this terminal's offline payments on one card, from
    before the caps are summed until the commit (PostgreSQL; None on SQLite, whose writers are
    serialised already). The payment takes it with its card's look-up (one round trip)."""
    if conn.dialect.name != "postgresql":
        return None
    digest = hashlib.sha256(f"caps\x00{terminal_id}\x00{card_number}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def check_offline_caps(
    conn: Connection,
    *,
    caller: TerminalCaller,
    card_id: int,
    card_number: str,
    wallet_code: str,
    amount: int,
    at: datetime,
    claims: dict[str, Any],
    locked: bool = False,
) -> None:
    """The partner's `offline_policy`, re-checked for an offline payment of `amount` at `at`
    proven by a token with `claims`: per payment, per card within `max_age_hours`, and the
    token's balance minus what this terminal took offline on that card and wallet that the
    service had not recorded at the token's `iat`. `locked`: the caller holds `caps_lock`."""
    partner = caller.partner
    if amount > partner.max_payment_cents:
        raise _limit(
            f"Paiement hors ligne au-delà du plafond par paiement ({partner.max_payment_cents} c)."
        )
    # Two batches of one terminal on one card at once: the sums below, then the debit, must not
    # interleave. The sums run in a statement after the lock's, so they see what the batch that
    # held it committed.
    lock = None if locked else caps_lock(conn, caller.terminal_id, card_number)
    if lock is not None:
        conn.execute(_CAPS_LOCK, {"lock": lock})
    window_start = at - timedelta(hours=partner.max_age_hours)
    taken = conn.execute(
        _OFFLINE_TAKEN,
        {
            "terminal_id": caller.terminal_id,
            "card_id": card_id,
            "window_start": window_start,
            "at": at,
            "wallet_code": wallet_code,
            "iat": _instant(claims.get("iat")),
        },
    ).one()
    if int(taken.card_total) + amount > partner.max_card_total_cents:
        raise _limit(
            "Total hors ligne de ce terminal sur cette carte au-delà du plafond "
            f"({partner.max_card_total_cents} c en {partner.max_age_hours} h)."
        )
    snapshot = _token_balance(claims, wallet_code)
    unseen = taken.unseen
    if amount > snapshot - int(unseen):
        raise _limit("Montant supérieur au solde porté par le QR code, déjà entamé hors ligne.")


def _token_balance(claims: dict[str, Any], wallet_code: str) -> int:
    """The balance the (signed) token carries for that wallet; 0 when it carries none."""
    wallets = claims.get("wallets")
    for wallet in wallets if isinstance(wallets, list) else []:
        if isinstance(wallet, dict) and wallet.get("code") == wallet_code:
            balance = wallet.get("balance_cents")
            if isinstance(balance, int) and not isinstance(balance, bool):
                return balance
    return 0


def _instant(seconds: Any) -> datetime:
    try:
        return datetime.fromtimestamp(float(seconds), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return datetime.min.replace(tzinfo=UTC)  # unknown issue time: count everything
