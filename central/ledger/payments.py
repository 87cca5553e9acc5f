"""Payments: a counter payment (`POST /v1/payments` and a sync `payment` item) and the
beneficiary's online payment, with the refusals the beneficiary's orders share (API.md's order).

A counter payment is first tried as one conditional UPDATE holding every condition of a payment;
only when it matches nothing are the checks run one by one, to find which refusal applies.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Date, Row, bindparam, select, update

from central.clock import business_day, now
from central.errors import ApiError
from central.keyring import KeyRing
from central.ledger.cards import (
    WalletTypes,
    card_with_wallet,
    check_card_status,
    debit,
    wallet_refusal,
)
from central.ledger.common import (
    BeneficiaryCaller,
    Judged,
    Partner,
    TerminalCaller,
    TxnValues,
    insert_counter_transaction,
    insert_transaction,
    strip_prefix,
    transaction_body,
    verify_token,
)
from central.ledger.sync import caps_lock, check_offline_caps, status_at
from central.models import cards, partners, wallets
from hdf_common import qrtoken


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
    claims: dict[str, Any] = {}
    if token:
        try:
            claims = verify_token(
                keys, strip_prefix(token, qrtoken.CARD_PREFIX), at=judged.at, require_exp=True
            )
            if claims.get("card") != card_number:
                raise ApiError(422, "token_invalid", "Ce QR code est celui d'une autre carte.")
        except ApiError as err:
            token_error = err
    if not judged.offline and token_error is None and wallet_code in caller.partner.wallet_codes:
        # The common case in one statement: every condition of a payment in the WHERE clause.
        # When it matches nothing, the checks below find which refusal applies, in API.md's order.
        # A replay (a lost online answer) too: a card active now and since before `judged.at`
        # was active then (`status_at`). Not an offline item: its caps come before the debit.
        debited = _debit_if_payable(conn, card_number, wallet_code, amount, judged)
        if debited is not None:
            return _record_payment(conn, caller, body, judged, debited[0], debited[1])
    lock = caps_lock(conn, caller.terminal_id, card_number) if judged.offline else None
    row = card_with_wallet(conn, card_number, wallet_code, lock=lock)
    if row is None:
        raise ApiError(404, "card_not_found", f"Aucune carte n° {card_number}.")
    status = row.status
    if judged.synced:
        status = status_at(conn, row.id, row.status, row.status_since, judged.at)
    check_card_status(status)
    if judged.offline and (body["entry_mode"] != "qr" or not token):
        # Where the token checks stand (API.md 1.1): an offline payment has no token to judge.
        raise ApiError(
            422,
            "offline_not_allowed",
            "Paiement hors ligne refusé : seul un QR code de carte signé le prouve.",
        )
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
    if judged.offline:
        check_offline_caps(
            conn, caller=caller, card_id=row.id, card_number=card_number,
            wallet_code=wallet_code, amount=amount, at=judged.at, claims=claims,
            locked=lock is not None,
        )  # fmt: skip
    balance = debit(conn, row.wallet_id, amount)
    return _record_payment(conn, caller, body, judged, balance, row.id)


_DEBIT_IF_PAYABLE = (
    update(wallets)
    .where(
        wallets.c.card_id == cards.c.id,
        cards.c.card_number == bindparam("p_card_number"),
        cards.c.status == "active",
        cards.c.status_since <= bindparam("p_at"),
        wallets.c.wallet_code == bindparam("p_wallet_code"),
        wallets.c.valid_from <= bindparam("p_day", type_=Date),
        wallets.c.valid_to >= bindparam("p_day", type_=Date),
        wallets.c.balance_cents >= bindparam("p_amount"),
    )
    .values(balance_cents=wallets.c.balance_cents - bindparam("p_amount"))
    .returning(wallets.c.balance_cents, wallets.c.card_id)
)


def _debit_if_payable(
    conn: Connection, card_number: str, wallet_code: str, amount: int, judged: Judged
) -> tuple[int, int] | None:
    """Debit when the card is active (since before `judged.at`), the wallet valid on the judged
    day and funded: (balance, card id)."""
    row = conn.execute(
        _DEBIT_IF_PAYABLE,
        {
            "p_card_number": card_number,
            "p_wallet_code": wallet_code,
            "p_amount": amount,
            "p_day": judged.day,
            "p_at": judged.at,
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
    txn = insert_counter_transaction(
        conn,
        caller,
        judged,
        recorded,
        kind="counter_payment",
        card_id=card_id,
        card_number=body["card_number"],
        wallet_code=body["wallet_code"],
        amount_cents=amount,
        delta_cents=-amount,
        balance_after_cents=balance,
        reference=body.get("reference"),
    )
    return 201, transaction_body(txn, caller.partner.code)


def order_checks(
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
    row = card_with_wallet(conn, caller.card_number, body["wallet_code"])
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


def extranet_debit(
    conn: Connection,
    caller: BeneficiaryCaller,
    body: dict[str, Any],
    partner: Partner,
    row: Any,
    kind: str,
    ticket: str | None,
) -> TxnValues:
    """Debit the beneficiary's wallet and write the ledger row, in the caller's transaction."""
    amount = body["amount_cents"]
    balance = debit(conn, row.wallet_id, amount)
    at = now()
    return insert_transaction(
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


def pay_online(
    conn: Connection, *, types: WalletTypes, caller: BeneficiaryCaller, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """POST /v1/beneficiary/online-payments: an "Extranet bénéficiaire" payment to a partner."""
    partner, row = order_checks(
        conn, types=types, caller=caller, body=body, accepts="accepts_online_payment"
    )
    txn = extranet_debit(conn, caller, body, partner, row, "online_payment", None)
    return 201, transaction_body(txn, partner.code)
