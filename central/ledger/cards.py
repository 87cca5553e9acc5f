"""Cards and wallets: a card's status and its history, the wallet rules, debit and credit.

A debit is a conditional UPDATE (`... WHERE balance_cents >= :amount`): no balance goes below zero
under any concurrency, on SQLite and PostgreSQL alike. A status change is recorded as a card event
(blocked and replaced cards feed the deny-list), under a lock that keeps event ids in commit order.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import BigInteger, Connection, and_, bindparam, func, insert, select, update

from central.clock import fmt_instant, now
from central.errors import ApiError, validation
from central.ledger.common import BeneficiaryCaller
from central.models import card_events, card_reports, cards, wallet_types, wallets


def check_card_status(status: str) -> None:
    if status in ("blocked", "replaced"):
        raise ApiError(422, "card_blocked", f"La carte est {_STATUS_FR[status]}.")
    if status == "expired":
        raise ApiError(422, "card_expired", "Les droits de la carte n'ont pas été revalidés.")


_STATUS_FR = {"blocked": "bloquée (opposition)", "replaced": "remplacée"}


# Any constant: the transaction-scoped advisory lock that orders card events (see below).
CARD_EVENTS_LOCK = 0x48444643_45564E54  # "HDFCEVNT"


def lock_card_events(conn: Connection) -> None:
    """Serialise the writers of card events until their commit (PostgreSQL).

    The deny-list's cursor is the highest event id a terminal has seen. Ids come from a sequence
    when a row is inserted, but transactions commit in any order: if event 11 committed while
    event 10 was still open, a terminal reading then would move its cursor to 11 and never get
    10, a stolen card it would go on accepting offline. Holding this lock from before the insert
    to the commit makes ids become visible in order. Card events are rare (a block, a
    replacement), so nothing waits in practice. SQLite serialises writers already.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(CARD_EVENTS_LOCK)))


def set_card_status(conn: Connection, card_id: int, status: str, reason: str | None) -> None:
    """Change a card's status and record it (blocked/replaced rows feed the deny-list)."""
    lock_card_events(conn)
    at = now()
    conn.execute(update(cards).where(cards.c.id == card_id).values(status=status, status_since=at))
    conn.execute(
        insert(card_events).values(card_id=card_id, status=status, since=at, reason=reason)
    )


def wallet_refusal(
    *,
    wallet_code: str,
    valid_from: date | None,
    valid_to: date | None,
    day: date,
    accepted: tuple[str, ...],
) -> str | None:
    """Why a wallet cannot be debited by this partner on `day` (None: it can)."""
    if valid_from is None or valid_to is None:
        return f"La carte n'a pas de porte-monnaie {wallet_code}."
    if day < valid_from:
        return f"Le porte-monnaie {wallet_code} n'est valable qu'à partir du {valid_from:%d/%m/%Y}."
    if day > valid_to:
        return f"Le porte-monnaie {wallet_code} n'est plus valable depuis le {valid_to:%d/%m/%Y}."
    if wallet_code not in accepted:
        return f"Ce partenaire n'accepte pas le porte-monnaie {wallet_code}."
    return None


def wallet_usability(
    *, card_status: str, balance: int, valid_from: date, valid_to: date, day: date, accepted
) -> tuple[bool, str | None]:
    if card_status != "active":
        return False, "card_not_active"
    if day < valid_from:
        return False, "not_yet_valid"
    if day > valid_to:
        return False, "validity_ended"
    if accepted is not None and not accepted:
        return False, "not_accepted"
    if balance <= 0:
        return False, "empty"
    return True, None


class WalletTypes:
    """The known wallet codes (few, rarely added): cached, re-read when an unknown code comes."""

    def __init__(self) -> None:
        self._labels: dict[str, str] = {}

    def labels(self, conn: Connection) -> dict[str, str]:
        if not self._labels:
            self.reload(conn)
        return self._labels

    def reload(self, conn: Connection) -> None:
        rows = conn.execute(select(wallet_types.c.code, wallet_types.c.label)).all()
        self._labels = {r.code: r.label for r in rows}

    def check(self, conn: Connection, code: str) -> None:
        if code in self.labels(conn):
            return
        self.reload(conn)
        if code not in self._labels:
            raise validation(f"Code de porte-monnaie inconnu : {code}.")


# Built once (the payment path runs it every time): card_number and wallet_code are bound.
_CARD_WITH_WALLET = (
    select(
        cards.c.id,
        cards.c.status,
        cards.c.status_since,
        wallets.c.id.label("wallet_id"),
        wallets.c.balance_cents,
        wallets.c.valid_from,
        wallets.c.valid_to,
    )
    .select_from(
        cards.outerjoin(
            wallets,
            and_(
                wallets.c.card_id == cards.c.id, wallets.c.wallet_code == bindparam("wallet_code")
            ),
        )
    )
    .where(cards.c.card_number == bindparam("card_number"))
)


# The same, taking a transaction-scoped advisory lock in the same round trip (PostgreSQL): an
# offline payment's caps lock (`central.ledger.sync.caps_lock`). The row is read in a snapshot
# taken before the lock is granted, so only what the statements AFTER it read is serialised.
_CARD_WITH_WALLET_LOCKING = _CARD_WITH_WALLET.add_columns(
    func.pg_advisory_xact_lock(bindparam("lock", type_=BigInteger)).label("locked")
)


def card_with_wallet(
    conn: Connection, card_number: str, wallet_code: str, *, lock: int | None = None
) -> Any:
    params: dict[str, Any] = {"card_number": card_number, "wallet_code": wallet_code}
    if lock is None:
        return conn.execute(_CARD_WITH_WALLET, params).first()
    return conn.execute(_CARD_WITH_WALLET_LOCKING, {**params, "lock": lock}).first()


# The conditional debit: no row comes back when the balance does not cover the amount.
_DEBIT = (
    update(wallets)
    .where(wallets.c.id == bindparam("w_id"), wallets.c.balance_cents >= bindparam("amount"))
    .values(balance_cents=wallets.c.balance_cents - bindparam("amount"))
    .returning(wallets.c.balance_cents)
)


def debit(conn: Connection, wallet_id: int, amount: int) -> int:
    balance = conn.execute(_DEBIT, {"w_id": wallet_id, "amount": amount}).scalar_one_or_none()
    if balance is None:
        raise ApiError(422, "insufficient_funds", "Le solde du porte-monnaie est insuffisant.")
    return int(balance)


def credit(conn: Connection, wallet_id: int, amount: int) -> int:
    return int(
        conn.execute(
            update(wallets)
            .where(wallets.c.id == wallet_id)
            .values(balance_cents=wallets.c.balance_cents + amount)
            .returning(wallets.c.balance_cents)
        ).scalar_one()
    )


def report_card(conn: Connection, *, caller: BeneficiaryCaller, reason: str) -> dict[str, Any]:
    """Lost or stolen blocks the card for good; damaged only records the request."""
    at = now()
    conn.execute(insert(card_reports).values(card_id=caller.card_id, reason=reason, reported_at=at))
    status = conn.execute(select(cards.c.status).where(cards.c.id == caller.card_id)).scalar_one()
    if reason in ("lost", "stolen") and status not in ("blocked", "replaced"):
        set_card_status(conn, caller.card_id, "blocked", reason)
        status = "blocked"
    return {
        "card_number": caller.card_number,
        "status": status,
        "reason": reason,
        "reported_at": fmt_instant(at),
    }
