"""Money-moving requests under an Idempotency-Key: the one helper every money route ends in, and
what "the same request" means for each operation (API-notes.md, Idempotency).

`idempotent` runs the operation once for (scope, key) in the thread pool, in one write
transaction that also stores the answer (`central.idempotency.run`), and answers it, with
`Idempotent-Replayed: true` on a replay. `/v1/sync` applies each of its items through the same
store, the same scope and the same request hashes (`central.routes.sync`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from central import idempotency, schemas
from central.errors import ApiError, validation
from central.ledger import BeneficiaryCaller, TerminalCaller
from central.routes.deps import service
from central.web import json_response, parse_json_object, validate_body

Operation = Callable[[Connection], tuple[int, dict[str, Any]]]


async def idempotent(
    request: Request,
    key: str,
    caller: TerminalCaller | BeneficiaryCaller | Callable[[Connection], str],
    operation: Operation,
    *,
    req_hash: str,
) -> Response:
    """Answer a money-moving request: `operation(conn)` runs once under the caller's `key`, a
    repeat gets the stored answer. `caller` gives the key's scope (`key_scope`), or is a function
    that authenticates on the transaction's own connection and returns the scope (the hot path:
    one connection, one trip fewer). `req_hash` says what "the same request" is (below).
    `operation` returns (status, body) or raises ApiError before it writes anything."""
    begin = caller if callable(caller) else None
    outcome = await run_in_threadpool(
        idempotency.run,
        service(request).db,
        scope="" if callable(caller) else key_scope(caller),
        key=key,
        req_hash=req_hash,
        operation=operation,
        begin=begin,
    )
    response = json_response(outcome.status, outcome.body)
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def key_scope(caller: TerminalCaller | BeneficiaryCaller) -> str:
    """A terminal's keys are its partner's (all its terminals, single calls and sync alike); a
    beneficiary's are the card's."""
    if isinstance(caller, TerminalCaller):
        return f"p:{caller.partner.id}"
    return f"c:{caller.card_id}"


# ---- what "the same request" means ---------------------------------------------------------------


def _try_object(raw: bytes) -> dict[str, Any] | None:
    try:
        return parse_json_object(raw)
    except ApiError:
        return None


def payment_hash(obj: dict[str, Any] | None, raw: bytes) -> str:
    # The QR token is left out: it proves the card was there, it is not what was asked. A payment
    # tried online and then queued for /v1/sync may carry a token the second time.
    if obj is None:
        fingerprint: Any = raw.hex()
    else:
        fingerprint = {
            k: obj.get(k) for k in ("card_number", "wallet_code", "amount_cents", "reference")
        }
    return idempotency.request_hash("payment", fingerprint)


def payment_raw_hash(raw: bytes) -> str:
    """A single call's payment: its body may not even be JSON (then the bytes are compared)."""
    return payment_hash(_try_object(raw), raw)


def redeem_hash(ticket_number: Any) -> str:
    return idempotency.request_hash("voucher_redeem", ticket_number)


def prepayment_cancel_hash(ticket_number: str) -> str:
    return idempotency.request_hash("prepayment_cancel", ticket_number)


def cancel_hash(transaction_id: str, raw: bytes) -> str:
    obj = _try_object(raw)
    return idempotency.request_hash(
        "cancel", [transaction_id, obj.get("reason") if obj else raw.hex()]
    )


def order_hash(operation: str, raw: bytes) -> str:
    """A beneficiary's order (`prepayment`, `online_payment`): partner, wallet and amount."""
    obj = _try_object(raw)
    if obj is None:
        return idempotency.request_hash(operation, raw.hex())
    fingerprint = {k: obj.get(k) for k in ("partner_code", "wallet_code", "amount_cents")}
    return idempotency.request_hash(operation, fingerprint)


# ---- bodies both a single call and a sync item carry -------------------------------------------


def payment_body(obj: dict[str, Any]) -> dict[str, Any]:
    body = validate_body(schemas.PaymentRequest, obj)
    if body["entry_mode"] == "qr" and not body.get("qr_token"):
        raise validation("Un paiement par QR code doit fournir le jeton du QR code (qr_token).")
    return body
