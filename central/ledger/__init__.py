"""The money: payments, vouchers, cancellations, the beneficiary's orders, with API.md's refusals.

Every operation runs inside the caller's write transaction and follows one rule: all refusals
(ApiError) are raised before the first write, so a refused operation changes nothing and its
refusal can be stored under the idempotency key in the same transaction. Debits are conditional
UPDATEs (`... WHERE balance_cents >= :amount`), which keeps a balance from going below zero under
any concurrency on SQLite and PostgreSQL alike.

The package, by subject (every public name is re-exported here: `ledger.pay`, `ledger.Partner`):
- `common`: the callers (`Partner`, `TerminalCaller`, `BeneficiaryCaller`), when an operation is
  judged (`Judged`), the ledger row (`insert_transaction`, `transaction_body`), the QR-token check.
- `cards`: card status and its events, the wallet rules, wallet codes, debit and credit, the
  beneficiary's card report.
- `payments`: the counter payment, the beneficiary's online payment, the order checks.
- `vouchers`: prepayment, redemption, the beneficiary's cancellation, expiry, the voucher QR.
- `cancellations`: a partner's refund of a payment or a redemption.
- `sync`: how a queued operation is judged (offline or replay, age window, card status at that
  instant, the offline caps re-checked).
"""

from central.ledger.cancellations import CANCEL_WINDOW, CANCELLABLE_KINDS, cancel
from central.ledger.cards import (
    CARD_EVENTS_LOCK,
    WalletTypes,
    check_card_status,
    lock_card_events,
    report_card,
    set_card_status,
    wallet_refusal,
    wallet_usability,
)
from central.ledger.common import (
    EXTRANET_LABEL,
    PARTNER_KINDS,
    BeneficiaryCaller,
    Judged,
    Partner,
    TerminalCaller,
    new_ticket_number,
    new_transaction_number,
    transaction_body,
)
from central.ledger.payments import pay, pay_online
from central.ledger.sync import FUTURE_LEEWAY, item_instant, judge_item, status_at
from central.ledger.vouchers import (
    cancel_prepayment,
    expire_vouchers,
    load_voucher,
    prepay,
    redeem,
    voucher_body,
    voucher_claims,
    voucher_is_due,
    voucher_qr,
    voucher_query,
)

__all__ = [
    "CANCELLABLE_KINDS",
    "CANCEL_WINDOW",
    "CARD_EVENTS_LOCK",
    "EXTRANET_LABEL",
    "FUTURE_LEEWAY",
    "PARTNER_KINDS",
    "BeneficiaryCaller",
    "Judged",
    "Partner",
    "TerminalCaller",
    "WalletTypes",
    "cancel",
    "cancel_prepayment",
    "check_card_status",
    "expire_vouchers",
    "item_instant",
    "judge_item",
    "load_voucher",
    "lock_card_events",
    "new_ticket_number",
    "new_transaction_number",
    "pay",
    "pay_online",
    "prepay",
    "redeem",
    "report_card",
    "set_card_status",
    "status_at",
    "transaction_body",
    "voucher_body",
    "voucher_claims",
    "voucher_is_due",
    "voucher_qr",
    "voucher_query",
    "wallet_refusal",
    "wallet_usability",
]
