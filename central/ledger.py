"""The money: payments, vouchers, cancellations, the beneficiary's orders, with API.md's refusals.

Every operation runs inside the caller's write transaction and follows one rule: all refusals
(ApiError) are raised before the first write, so a refused operation changes nothing and its
refusal can be stored under the idempotency key in the same transaction. Debits are conditional
UPDATEs (`... WHERE balance_cents >= :amount`), which keeps a balance from going below zero under
any concurrency on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    Row,
    Select,
    and_,
    bindparam,
    func,
    insert,
    select,
    update,
)

from central.clock import business_day, fmt_instant, now
from central.errors import ApiError, validation
from central.keyring import KeyRing
from central.models import (
    card_events,
    card_reports,
    cards,
    partners,
    transactions,
    vouchers,
    wallet_types,
    wallets,
)
from hdf_common import qrtoken

PARTNER_KINDS = ("counter_payment", "voucher_redemption", "online_payment", "cancellation")
CANCELLABLE_KINDS = ("counter_payment", "online_payment", "voucher_redemption")
CANCEL_WINDOW = timedelta(days=30)
EXTRANET_LABEL = "Extranet bénéficiaire"


@dataclass(frozen=True)
class Partner:
    id: int
    code: str
    name: str
    city: str
    postal_code: str
    accepts_prepayment: bool
    accepts_online_payment: bool
    wallet_codes: tuple[str, ...]
    max_payment_cents: int
    max_card_total_cents: int
    max_age_hours: int

    @classmethod
    def from_row(cls, row: Any) -> Partner:
        return cls(
            id=row.id,
            code=row.code,
            name=row.name,
            city=row.city,
            postal_code=row.postal_code,
            accepts_prepayment=bool(row.accepts_prepayment),
            accepts_online_payment=bool(row.accepts_online_payment),
            wallet_codes=tuple(c for c in row.wallet_codes.split(",") if c),
            max_payment_cents=row.max_payment_cents,
            max_card_total_cents=row.max_card_total_cents,
            max_age_hours=row.max_age_hours,
        )

    def profile(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "city": self.city,
            "postal_code": self.postal_code,
            "accepts_prepayment": self.accepts_prepayment,
            "accepts_online_payment": self.accepts_online_payment,
            "wallet_codes": list(self.wallet_codes),
            "offline_policy": {
                "max_payment_cents": self.max_payment_cents,
                "max_card_total_cents": self.max_card_total_cents,
                "max_age_hours": self.max_age_hours,
            },
        }


@dataclass(frozen=True)
class TerminalCaller:
    terminal_id: str
    label: str
    partner: Partner


@dataclass(frozen=True)
class BeneficiaryCaller:
    card_id: int
    card_number: str


@dataclass(frozen=True)
class Judged:
    """When an operation is judged: now for a live call, the item's occurred_at for a sync."""

    at: datetime
    offline: bool = False

    @property
    def day(self) -> date:
        return business_day(self.at)


def new_transaction_number() -> str:
    return str(1_000_000 + secrets.randbelow(9_000_000))


def new_ticket_number() -> str:
    return str(100_000_000_000 + secrets.randbelow(900_000_000_000))


def transaction_body(row: Any, partner_code: str | None) -> dict[str, Any]:
    return {
        "transaction_id": row.id,
        "transaction_number": row.number,
        "kind": row.kind,
        "status": row.status,
        "card_number": row.card_number,
        "wallet_code": row.wallet_code,
        "amount_cents": row.amount_cents,
        "balance_after_cents": row.balance_after_cents,
        "occurred_at": fmt_instant(row.occurred_at),
        "recorded_at": fmt_instant(row.recorded_at),
        "partner_code": partner_code,
        "terminal_id": row.terminal_id,
        "channel": row.channel,
        "cancels": row.cancels,
        "offline": bool(row.offline),
        "reference": row.reference,
        "reason": row.reason,
    }


class _TxnValues:
    """The values of a new ledger row, returned as a body without reading the row back."""

    id: str
    number: str
    occurred_at: datetime

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


_INSERT_TRANSACTION = insert(transactions)


def _insert_transaction(conn: Connection, **values: Any) -> _TxnValues:
    values.setdefault("id", str(uuid.uuid4()))
    values.setdefault("number", new_transaction_number())
    values.setdefault("status", "completed")
    values.setdefault("offline", False)
    values.setdefault("cancels", None)
    values.setdefault("reference", None)
    values.setdefault("reason", None)
    values.setdefault("terminal_id", None)
    values.setdefault("voucher_ticket", None)
    conn.execute(_INSERT_TRANSACTION, values)
    return _TxnValues(**values)


# ---- card status and wallets --------------------------------------------------------------------


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


def _card_with_wallet(conn: Connection, card_number: str, wallet_code: str) -> Any:
    return conn.execute(
        _CARD_WITH_WALLET, {"card_number": card_number, "wallet_code": wallet_code}
    ).first()


# The conditional debit: no row comes back when the balance does not cover the amount.
_DEBIT = (
    update(wallets)
    .where(wallets.c.id == bindparam("w_id"), wallets.c.balance_cents >= bindparam("amount"))
    .values(balance_cents=wallets.c.balance_cents - bindparam("amount"))
    .returning(wallets.c.balance_cents)
)


def _debit(conn: Connection, wallet_id: int, amount: int) -> int:
    balance = conn.execute(_DEBIT, {"w_id": wallet_id, "amount": amount}).scalar_one_or_none()
    if balance is None:
        raise ApiError(422, "insufficient_funds", "Le solde du porte-monnaie est insuffisant.")
    return int(balance)


def _credit(conn: Connection, wallet_id: int, amount: int) -> int:
    return int(
        conn.execute(
            update(wallets)
            .where(wallets.c.id == wallet_id)
            .values(balance_cents=wallets.c.balance_cents + amount)
            .returning(wallets.c.balance_cents)
        ).scalar_one()
    )


def _strip(token: str, prefix: str) -> str:
    return token[len(prefix) :] if token.startswith(prefix) else token


def _verify_token(keys: KeyRing, token: str, *, at: datetime, require_exp: bool) -> dict[str, Any]:
    try:
        return keys.verify(token, at=at.timestamp(), require_exp=require_exp)
    except qrtoken.TokenExpired as exc:
        raise ApiError(
            422, "token_expired", "Le QR code a expiré : demandez-en un nouveau."
        ) from exc
    except qrtoken.TokenError as exc:
        raise ApiError(422, "token_invalid", f"QR code refusé : {exc}.") from exc


# ---- terminal operations ----------------------------------------------------------------------


def pay(
    conn: Connection,
    *,
    keys: KeyRing,
    types: WalletTypes,
    caller: TerminalCaller,
    body: dict[str, Any],
    judged: Judged,
) -> tuple[int, dict[str, Any]]:
    """POST /v1/payments (and a sync `payment` item). `body` is a validated PaymentRequest."""
    card_number = body["card_number"]
    wallet_code = body["wallet_code"]
    amount = body["amount_cents"]
    types.check(conn, wallet_code)
    token = body.get("qr_token")
    token_error: ApiError | None = None
    if token:
        try:
            claims = _verify_token(
                keys, _strip(token, qrtoken.CARD_PREFIX), at=judged.at, require_exp=True
            )
            if claims.get("card") != card_number:
                raise ApiError(422, "token_invalid", "Ce QR code est celui d'une autre carte.")
        except ApiError as err:
            token_error = err
    if not judged.offline and token_error is None and wallet_code in caller.partner.wallet_codes:
        # The common case in one statement: every condition of a payment in the WHERE clause.
        # When it matches nothing, the checks below find which refusal applies, in API.md's order.
        debited = _debit_if_payable(conn, card_number, wallet_code, amount, judged.day)
        if debited is not None:
            return _record_payment(conn, caller, body, judged, debited[0], debited[1])
    row = _card_with_wallet(conn, card_number, wallet_code)
    if row is None:
        raise ApiError(404, "card_not_found", f"Aucune carte n° {card_number}.")
    status = row.status
    if judged.offline:
        status = status_at(conn, row.id, row.status, row.status_since, judged.at)
    check_card_status(status)
    if token_error is not None:
        raise token_error
    refusal = wallet_refusal(
        wallet_code=wallet_code,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        day=judged.day,
        accepted=caller.partner.wallet_codes,
    )
    if refusal:
        raise ApiError(422, "wallet_not_usable", refusal)
    balance = _debit(conn, row.wallet_id, amount)
    return _record_payment(conn, caller, body, judged, balance, row.id)


_DEBIT_IF_PAYABLE = (
    update(wallets)
    .where(
        wallets.c.card_id == cards.c.id,
        cards.c.card_number == bindparam("p_card_number"),
        cards.c.status == "active",
        wallets.c.wallet_code == bindparam("p_wallet_code"),
        wallets.c.valid_from <= bindparam("p_day", type_=Date),
        wallets.c.valid_to >= bindparam("p_day", type_=Date),
        wallets.c.balance_cents >= bindparam("p_amount"),
    )
    .values(balance_cents=wallets.c.balance_cents - bindparam("p_amount"))
    .returning(wallets.c.balance_cents, wallets.c.card_id)
)


def _debit_if_payable(
    conn: Connection, card_number: str, wallet_code: str, amount: int, day: date
) -> tuple[int, int] | None:
    """Debit when the card is active, the wallet valid on `day` and funded: (balance, card id)."""
    row = conn.execute(
        _DEBIT_IF_PAYABLE,
        {
            "p_card_number": card_number,
            "p_wallet_code": wallet_code,
            "p_amount": amount,
            "p_day": day,
        },
    ).first()
    return None if row is None else (int(row[0]), int(row[1]))


def _record_payment(
    conn: Connection,
    caller: TerminalCaller,
    body: dict[str, Any],
    judged: Judged,
    balance: int,
    card_id: int,
) -> tuple[int, dict[str, Any]]:
    recorded = now()
    amount = body["amount_cents"]
    txn = _insert_transaction(
        conn,
        kind="counter_payment",
        card_id=card_id,
        card_number=body["card_number"],
        wallet_code=body["wallet_code"],
        amount_cents=amount,
        delta_cents=-amount,
        balance_after_cents=balance,
        occurred_at=judged.at if judged.offline else recorded,
        recorded_at=recorded,
        partner_id=caller.partner.id,
        terminal_id=caller.terminal_id,
        channel="counter",
        offline=judged.offline,
        reference=body.get("reference"),
    )
    return 201, transaction_body(txn, caller.partner.code)


_VOUCHER_COLUMNS = (
    vouchers,
    partners.c.code.label("partner_code"),
    partners.c.name.label("partner_name"),
    cards.c.card_number,
    cards.c.first_name,
    cards.c.last_name,
    wallets.c.valid_to,
)


def _voucher_query() -> Select[Any]:
    return select(*_VOUCHER_COLUMNS).select_from(
        vouchers.join(partners, partners.c.id == vouchers.c.partner_id)
        .join(cards, cards.c.id == vouchers.c.card_id)
        .join(wallets, wallets.c.id == vouchers.c.wallet_id)
    )


def load_voucher(conn: Connection, ticket: str) -> Any:
    return conn.execute(_voucher_query().where(vouchers.c.ticket_number == ticket)).first()


def voucher_body(v: Any, redemption: Any | None = None) -> dict[str, Any]:
    return {
        "ticket_number": v.ticket_number,
        "transaction_number": v.transaction_number,
        "status": v.status,
        "partner_code": v.partner_code,
        "card_number": v.card_number,
        "holder": {"first_name": v.first_name, "last_name": v.last_name},
        "wallet_code": v.wallet_code,
        "amount_cents": v.amount_cents,
        "created_at": fmt_instant(v.created_at),
        "redeemed_at": fmt_instant(v.redeemed_at),
        "transaction_id": v.redemption_id,
        "redemption": redemption,
    }


def voucher_is_due(v: Any, day: date) -> bool:
    return v.status == "pending" and v.valid_to < day


def expire_vouchers(conn: Connection, *, day: date, ticket: str | None = None) -> int:
    """Expire the pending vouchers whose wallet validity ended before `day`; money goes back."""
    query = (
        select(vouchers.c.ticket_number, vouchers.c.wallet_id, vouchers.c.amount_cents)
        .select_from(vouchers.join(wallets, wallets.c.id == vouchers.c.wallet_id))
        .where(vouchers.c.status == "pending", wallets.c.valid_to < day)
    )
    if ticket is not None:
        query = query.where(vouchers.c.ticket_number == ticket)
    count = 0
    for v in conn.execute(query).all():
        at = now()
        done = conn.execute(
            update(vouchers)
            .where(vouchers.c.ticket_number == v.ticket_number, vouchers.c.status == "pending")
            .values(status="expired", closed_at=at)
        ).rowcount
        if not done:
            continue
        full = load_voucher(conn, v.ticket_number)
        assert full is not None
        balance = _credit(conn, v.wallet_id, v.amount_cents)
        _insert_transaction(
            conn,
            kind="voucher_expiry",
            card_id=full.card_id,
            card_number=full.card_number,
            wallet_code=full.wallet_code,
            amount_cents=v.amount_cents,
            delta_cents=v.amount_cents,
            balance_after_cents=balance,
            occurred_at=at,
            recorded_at=at,
            partner_id=full.partner_id,
            channel="extranet",
            voucher_ticket=v.ticket_number,
        )
        count += 1
    return count


def redeem(
    conn: Connection,
    *,
    keys: KeyRing,
    caller: TerminalCaller,
    ticket: str,
    qr_token: str | None,
    judged: Judged,
) -> tuple[int, dict[str, Any]]:
    """POST /v1/vouchers/{ticket}/redeem (and a sync `voucher_redeem` item)."""
    expire_vouchers(conn, day=business_day(now()), ticket=ticket)
    v = load_voucher(conn, ticket)
    if v is None:
        raise ApiError(404, "voucher_not_found", f"Aucun prépaiement n° {ticket}.")
    if v.partner_id != caller.partner.id:
        raise ApiError(
            403, "voucher_other_partner", "Ce prépaiement est destiné à un autre partenaire."
        )
    if qr_token:
        claims = _verify_token(
            keys, _strip(qr_token, qrtoken.VOUCHER_PREFIX), at=judged.at, require_exp=False
        )
        if claims.get("ticket") != ticket:
            raise ApiError(422, "token_invalid", "Ce QR code est celui d'un autre prépaiement.")
    if v.status != "pending":
        raise _not_pending(v.status)
    recorded = now()
    txn_id = str(uuid.uuid4())
    done = conn.execute(
        update(vouchers)
        .where(vouchers.c.ticket_number == ticket, vouchers.c.status == "pending")
        .values(
            status="redeemed",
            redeemed_at=judged.at if judged.offline else recorded,
            redemption_id=txn_id,
        )
    ).rowcount
    if not done:  # lost a race with another redemption or a cancellation: nothing written yet
        current = conn.execute(
            select(vouchers.c.status).where(vouchers.c.ticket_number == ticket)
        ).scalar_one()
        raise _not_pending(current)
    balance = conn.execute(
        select(wallets.c.balance_cents).where(wallets.c.id == v.wallet_id)
    ).scalar_one()
    txn = _insert_transaction(
        conn,
        id=txn_id,
        kind="voucher_redemption",
        card_id=v.card_id,
        card_number=v.card_number,
        wallet_code=v.wallet_code,
        amount_cents=v.amount_cents,
        delta_cents=0,
        balance_after_cents=balance,
        occurred_at=judged.at if judged.offline else recorded,
        recorded_at=recorded,
        partner_id=caller.partner.id,
        terminal_id=caller.terminal_id,
        channel="counter",
        offline=judged.offline,
        voucher_ticket=ticket,
    )
    after = load_voucher(conn, ticket)
    return 200, voucher_body(after, transaction_body(txn, caller.partner.code))


_STATUS_VOUCHER_FR = {
    "pending": "en attente",
    "redeemed": "déjà encaissé",
    "cancelled": "annulé",
    "expired": "expiré",
}


def _not_pending(status: str) -> ApiError:
    return ApiError(
        409,
        "voucher_not_pending",
        f"Le prépaiement n'est plus en attente : il est {_STATUS_VOUCHER_FR.get(status, status)}.",
        voucher_status=status,
    )


def cancel(
    conn: Connection, *, caller: TerminalCaller, transaction_id: str, reason: str
) -> tuple[int, dict[str, Any]]:
    """POST /v1/transactions/{id}/cancel: refund one of this partner's payments or redemptions."""
    original = conn.execute(select(transactions).where(transactions.c.id == transaction_id)).first()
    if original is None or original.kind not in PARTNER_KINDS:
        raise ApiError(404, "not_found", "Transaction inconnue.")
    if original.partner_id != caller.partner.id:
        raise ApiError(403, "forbidden", "Cette transaction est celle d'un autre partenaire.")
    if original.kind not in CANCELLABLE_KINDS:
        raise ApiError(409, "not_cancellable", "Une annulation ne s'annule pas.")
    recorded = now()
    if original.status == "cancelled":
        raise ApiError(409, "already_cancelled", "Cette transaction est déjà annulée.")
    if recorded - original.occurred_at > CANCEL_WINDOW:
        raise ApiError(409, "not_cancellable", "Une transaction ne s'annule que dans les 30 jours.")
    done = conn.execute(
        update(transactions)
        .where(transactions.c.id == transaction_id, transactions.c.status == "completed")
        .values(status="cancelled")
    ).rowcount
    if not done:
        raise ApiError(409, "already_cancelled", "Cette transaction est déjà annulée.")
    wallet_id = conn.execute(
        select(wallets.c.id).where(
            wallets.c.card_id == original.card_id, wallets.c.wallet_code == original.wallet_code
        )
    ).scalar_one()
    balance = _credit(conn, wallet_id, original.amount_cents)
    if original.kind == "voucher_redemption" and original.voucher_ticket:
        conn.execute(
            update(vouchers)
            .where(vouchers.c.ticket_number == original.voucher_ticket)
            .values(status="cancelled", closed_at=recorded)
        )
    txn = _insert_transaction(
        conn,
        kind="cancellation",
        card_id=original.card_id,
        card_number=original.card_number,
        wallet_code=original.wallet_code,
        amount_cents=original.amount_cents,
        delta_cents=original.amount_cents,
        balance_after_cents=balance,
        occurred_at=recorded,
        recorded_at=recorded,
        partner_id=caller.partner.id,
        terminal_id=caller.terminal_id,
        channel="counter",
        cancels=transaction_id,
        reason=reason,
    )
    return 201, transaction_body(txn, caller.partner.code)


# ---- beneficiary operations -------------------------------------------------------------------


def _order_checks(
    conn: Connection,
    *,
    types: WalletTypes,
    caller: BeneficiaryCaller,
    body: dict[str, Any],
    accepts: str,
) -> tuple[Partner, Row[Any]]:
    """Shared refusals of a prepayment and an online payment, in API.md's order."""
    types.check(conn, body["wallet_code"])
    prow = conn.execute(select(partners).where(partners.c.code == body["partner_code"])).first()
    if prow is None:
        raise ApiError(404, "not_found", f"Partenaire inconnu : {body['partner_code']}.")
    partner = Partner.from_row(prow)
    row = _card_with_wallet(conn, caller.card_number, body["wallet_code"])
    assert row is not None
    check_card_status(row.status)
    if not getattr(partner, accepts):
        what = "les prépaiements" if accepts == "accepts_prepayment" else "le paiement en ligne"
        raise ApiError(422, "not_accepted", f"Ce partenaire n'accepte pas {what}.")
    refusal = wallet_refusal(
        wallet_code=body["wallet_code"],
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        day=business_day(now()),
        accepted=partner.wallet_codes,
    )
    if refusal:
        raise ApiError(422, "wallet_not_usable", refusal)
    return partner, row


def _extranet_debit(
    conn: Connection,
    caller: BeneficiaryCaller,
    body: dict[str, Any],
    partner: Partner,
    row: Any,
    kind: str,
    ticket: str | None,
) -> _TxnValues:
    """Debit the beneficiary's wallet and write the ledger row, in the caller's transaction."""
    amount = body["amount_cents"]
    balance = _debit(conn, row.wallet_id, amount)
    at = now()
    return _insert_transaction(
        conn,
        kind=kind,
        card_id=caller.card_id,
        card_number=caller.card_number,
        wallet_code=body["wallet_code"],
        amount_cents=amount,
        delta_cents=-amount,
        balance_after_cents=balance,
        occurred_at=at,
        recorded_at=at,
        partner_id=partner.id,
        channel="extranet",
        voucher_ticket=ticket,
    )


def voucher_claims(v: Any, iat: int) -> dict[str, Any]:
    return {
        "ticket": v.ticket_number,
        "transaction_number": v.transaction_number,
        "partner": v.partner_code,
        "card": v.card_number,
        "wallet": v.wallet_code,
        "amount_cents": v.amount_cents,
        "iat": iat,
    }


def voucher_qr(keys: KeyRing, v: Any) -> str:
    return qrtoken.VOUCHER_PREFIX + keys.sign(voucher_claims(v, int(v.created_at.timestamp())))


def prepay(
    conn: Connection,
    *,
    keys: KeyRing,
    types: WalletTypes,
    caller: BeneficiaryCaller,
    body: dict[str, Any],
) -> tuple[int, dict[str, Any]]:
    """POST /v1/beneficiary/prepayments: set money aside for one partner as a pending voucher."""
    partner, row = _order_checks(
        conn, types=types, caller=caller, body=body, accepts="accepts_prepayment"
    )
    amount = body["amount_cents"]
    ticket = new_ticket_number()
    txn = _extranet_debit(conn, caller, body, partner, row, "prepayment", ticket)
    at = txn.occurred_at
    conn.execute(
        insert(vouchers).values(
            ticket_number=ticket,
            transaction_number=txn.number,
            prepayment_id=txn.id,
            partner_id=partner.id,
            card_id=caller.card_id,
            wallet_id=row.wallet_id,
            wallet_code=body["wallet_code"],
            amount_cents=amount,
            status="pending",
            created_at=at,
        )
    )
    v = load_voucher(conn, ticket)
    out = voucher_body(v)
    out["qr_token"] = voucher_qr(keys, v)
    out["partner_name"] = partner.name
    return 201, out


def cancel_prepayment(
    conn: Connection, *, keys: KeyRing, caller: BeneficiaryCaller, ticket: str
) -> tuple[int, dict[str, Any]]:
    """POST /v1/beneficiary/prepayments/{ticket}/cancel: only while pending; wallet credited."""
    expire_vouchers(conn, day=business_day(now()), ticket=ticket)
    v = load_voucher(conn, ticket)
    if v is None or v.card_id != caller.card_id:
        raise ApiError(404, "voucher_not_found", f"Aucun prépaiement n° {ticket} sur cette carte.")
    if v.status != "pending":
        raise _not_pending(v.status)
    at = now()
    done = conn.execute(
        update(vouchers)
        .where(vouchers.c.ticket_number == ticket, vouchers.c.status == "pending")
        .values(status="cancelled", closed_at=at)
    ).rowcount
    if not done:
        current = conn.execute(
            select(vouchers.c.status).where(vouchers.c.ticket_number == ticket)
        ).scalar_one()
        raise _not_pending(current)
    balance = _credit(conn, v.wallet_id, v.amount_cents)
    _insert_transaction(
        conn,
        kind="prepayment_cancellation",
        card_id=v.card_id,
        card_number=v.card_number,
        wallet_code=v.wallet_code,
        amount_cents=v.amount_cents,
        delta_cents=v.amount_cents,
        balance_after_cents=balance,
        occurred_at=at,
        recorded_at=at,
        partner_id=v.partner_id,
        channel="extranet",
        voucher_ticket=ticket,
    )
    after = load_voucher(conn, ticket)
    out = voucher_body(after)
    out["qr_token"] = voucher_qr(keys, after)
    out["partner_name"] = after.partner_name
    return 200, out


def pay_online(
    conn: Connection, *, types: WalletTypes, caller: BeneficiaryCaller, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """POST /v1/beneficiary/online-payments: an "Extranet bénéficiaire" payment to a partner."""
    partner, row = _order_checks(
        conn, types=types, caller=caller, body=body, accepts="accepts_online_payment"
    )
    txn = _extranet_debit(conn, caller, body, partner, row, "online_payment", None)
    return 201, transaction_body(txn, partner.code)


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
