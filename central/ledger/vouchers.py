"""Vouchers (prepayments): the beneficiary sets money aside for one partner as a pending voucher,
which the partner redeems, the beneficiary cancels, or the end of the wallet's validity expires
(the money goes back to the wallet). A voucher leaves `pending` once, by a conditional UPDATE.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Select, insert, select, update

from central.clock import business_day, fmt_instant, now
from central.errors import ApiError
from central.keyring import KeyRing
from central.ledger.cards import WalletTypes, credit
from central.ledger.common import (
    BeneficiaryCaller,
    Judged,
    TerminalCaller,
    insert_counter_transaction,
    insert_transaction,
    new_ticket_number,
    strip_prefix,
    transaction_body,
    verify_token,
)
from central.ledger.payments import extranet_debit, order_checks
from central.models import cards, partners, vouchers, wallets
from hdf_common import qrtoken

_VOUCHER_COLUMNS = (
    vouchers,
    partners.c.code.label("partner_code"),
    partners.c.name.label("partner_name"),
    cards.c.card_number,
    cards.c.first_name,
    cards.c.last_name,
    wallets.c.valid_to,
)


def voucher_query() -> Select[Any]:
    return select(*_VOUCHER_COLUMNS).select_from(
        vouchers.join(partners, partners.c.id == vouchers.c.partner_id)
        .join(cards, cards.c.id == vouchers.c.card_id)
        .join(wallets, wallets.c.id == vouchers.c.wallet_id)
    )


def load_voucher(conn: Connection, ticket: str) -> Any:
    return conn.execute(voucher_query().where(vouchers.c.ticket_number == ticket)).first()


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
        _give_back(conn, full, "voucher_expiry", at)
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
        claims = verify_token(
            keys, strip_prefix(qr_token, qrtoken.VOUCHER_PREFIX), at=judged.at, require_exp=False
        )
        if claims.get("ticket") != ticket:
            raise ApiError(422, "token_invalid", "Ce QR code est celui d'un autre prépaiement.")
    if v.status != "pending":
        raise _not_pending(v.status)
    recorded = now()
    txn_id = str(uuid.uuid4())
    _close_pending(
        conn,
        ticket,
        status="redeemed",
        redeemed_at=judged.occurred_at or recorded,
        redemption_id=txn_id,
    )
    balance = conn.execute(
        select(wallets.c.balance_cents).where(wallets.c.id == v.wallet_id)
    ).scalar_one()
    txn = insert_counter_transaction(
        conn,
        caller,
        judged,
        recorded,
        id=txn_id,
        kind="voucher_redemption",
        card_id=v.card_id,
        card_number=v.card_number,
        wallet_code=v.wallet_code,
        amount_cents=v.amount_cents,
        delta_cents=0,
        balance_after_cents=balance,
        voucher_ticket=ticket,
    )
    after = load_voucher(conn, ticket)
    return 200, voucher_body(after, transaction_body(txn, caller.partner.code))


def _close_pending(conn: Connection, ticket: str, **values: Any) -> None:
    """Move a pending voucher on (redeemed, cancelled). Another request may have moved it first
    (a redemption racing a cancellation): then nothing is written and the refusal says why."""
    done = conn.execute(
        update(vouchers)
        .where(vouchers.c.ticket_number == ticket, vouchers.c.status == "pending")
        .values(**values)
    ).rowcount
    if not done:
        current = conn.execute(
            select(vouchers.c.status).where(vouchers.c.ticket_number == ticket)
        ).scalar_one()
        raise _not_pending(current)


def _give_back(conn: Connection, v: Any, kind: str, at: datetime) -> None:
    """Credit a closed voucher's amount back to its wallet and write the ledger row that says so."""
    balance = credit(conn, v.wallet_id, v.amount_cents)
    insert_transaction(
        conn,
        kind=kind,
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
        voucher_ticket=v.ticket_number,
    )


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
    partner, row = order_checks(
        conn, types=types, caller=caller, body=body, accepts="accepts_prepayment"
    )
    amount = body["amount_cents"]
    ticket = new_ticket_number()
    txn = extranet_debit(conn, caller, body, partner, row, "prepayment", ticket)
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
    _close_pending(conn, ticket, status="cancelled", closed_at=at)
    _give_back(conn, v, "prepayment_cancellation", at)
    after = load_voucher(conn, ticket)
    out = voucher_body(after)
    out["qr_token"] = voucher_qr(keys, after)
    out["partner_name"] = after.partner_name
    return 200, out
