"""Cancellations: a partner refunds one of its payments or voucher redemptions
(`POST /v1/transactions/{id}/cancel`); the wallet is credited back, a cancelled redemption leaves
its voucher `cancelled`. (The beneficiary's cancellation of a pending voucher is in `vouchers`.)
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from central.clock import now
from central.errors import ApiError
from central.ledger.cards import credit
from central.ledger.common import (
    PARTNER_KINDS,
    Judged,
    TerminalCaller,
    insert_counter_transaction,
    transaction_body,
)
from central.models import transactions, vouchers, wallets

CANCELLABLE_KINDS = ("counter_payment", "online_payment", "voucher_redemption")
CANCEL_WINDOW = timedelta(days=30)


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
    balance = credit(conn, wallet_id, original.amount_cents)
    if original.kind == "voucher_redemption" and original.voucher_ticket:
        conn.execute(
            update(vouchers)
            .where(vouchers.c.ticket_number == original.voucher_ticket)
            .values(status="cancelled", closed_at=recorded)
        )
    txn = insert_counter_transaction(
        conn,
        caller,
        Judged(recorded),
        recorded,
        kind="cancellation",
        card_id=original.card_id,
        card_number=original.card_number,
        wallet_code=original.wallet_code,
        amount_cents=original.amount_cents,
        delta_cents=original.amount_cents,
        balance_after_cents=balance,
        cancels=transaction_id,
        reason=reason,
    )
    return 201, transaction_body(txn, caller.partner.code)
