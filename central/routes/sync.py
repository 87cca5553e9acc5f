"""What a terminal exchanges to work offline and to reconcile: `/v1/sync` (its queued operations,
applied in order, each as its online call would be: an offline one proven by its QR and judged at
its occurred_at with the caps re-checked, a replay as the online call; `central.ledger.sync`),
`/v1/denylist` (the cards to refuse offline), `/v1/statements/daily` (the day as the service
recorded it).

Each sync item goes through the idempotency store like a single call, with the same scope and
request hashes (`central.routes.keyed`), but waits for a concurrent request on its key instead of
answering 409; a conflicting key rejects that item alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from central import idempotency, ledger, metrics, queries, schemas
from central.errors import ApiError, validation
from central.ledger import TerminalCaller
from central.routes.deps import TERMINAL_AUTH, UUID_RE, Svc, Terminal, check_business_day
from central.routes.keyed import key_scope, payment_body, payment_hash, redeem_hash
from central.service import Service
from central.web import body_doc, dict_response, parse_json_object, validate_body

router = APIRouter(tags=["terminal"])


SYNC_DESCRIPTION = (
    "Queued operations, applied in order, each in its own transaction (API.md 1.1). An item "
    "without `replay: true` is an offline operation: a payment must be `entry_mode: qr` with a "
    "card `qr_token` (else `422 offline_not_allowed`); its card status, wallet validity and "
    "token are judged at `occurred_at`, the partner's offline caps re-checked (`422 "
    "offline_limit_exceeded`), funds judged at arrival. An item with `replay: true` is an online "
    "call whose answer was lost, judged as that call on arrival (a QR one at `occurred_at`), "
    "without caps. Each item's `status` and `body` are what its single call would answer "
    "(refusals: `validation_error`, `card_not_found`, `card_blocked`, `card_expired`, "
    "`offline_not_allowed`, `token_invalid`, `token_expired`, `wallet_not_usable`, "
    "`offline_limit_exceeded`, `insufficient_funds`, `voucher_*`, `idempotency_conflict`). "
    "400: the envelope is malformed, nothing applied. 413: over 2 MiB."
)


@router.post(
    "/v1/sync",
    response_model=schemas.SyncResponse,
    description=SYNC_DESCRIPTION,
    openapi_extra={**TERMINAL_AUTH, **body_doc(schemas.SyncRequest)},
)
async def sync(request: Request, caller: Terminal, svc: Svc) -> Response:
    raw = await request.body()
    result = await run_in_threadpool(apply_batch, svc, caller, raw)
    metrics.count_sync_results(result["results"])
    return dict_response(200, result)


@router.get("/v1/denylist", response_model=schemas.Denylist, openapi_extra=TERMINAL_AUTH)
async def denylist(
    caller: Terminal,
    svc: Svc,
    since: Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$")] = None,
) -> Response:
    def work() -> dict[str, Any]:
        with svc.db.read() as conn:
            return queries.denylist(conn, since)

    return dict_response(200, await run_in_threadpool(work))


@router.get(
    "/v1/statements/daily", response_model=schemas.DailyStatement, openapi_extra=TERMINAL_AUTH
)
async def statement(
    caller: Terminal, svc: Svc, day: Annotated[date, Query(alias="date")]
) -> Response:
    check_business_day(day)

    def work() -> dict[str, Any]:
        with svc.db.read() as conn:
            return queries.daily_statement(conn, caller.partner, day)

    return dict_response(200, await run_in_threadpool(work))


# ---- applying a batch ---------------------------------------------------------------------------


def apply_batch(svc: Service, caller: TerminalCaller, raw: bytes) -> dict[str, Any]:
    """POST /v1/sync: the whole envelope is checked first (400, nothing applied), then each item
    is applied in its own transaction, in order."""
    items = parse_batch(raw)
    return {"results": [_apply_item(svc, caller, item) for item in items]}


@dataclass(frozen=True)
class BatchItem:
    """One item of a well-formed envelope; its occurred_at and replay are judged with it."""

    idempotency_key: str
    operation: str
    body: dict[str, Any]
    occurred_at: str
    replay: Any


MAX_ITEMS = 500


def parse_batch(raw: bytes) -> list[BatchItem]:
    """The envelope, or 400 (nothing applied): an object whose `items` is a list of at most 500
    objects, each with a key (a UUID), a known operation, a body object and an occurred_at
    string. Anything else about an item (an occurred_at that does not parse, a `replay` that is
    not a boolean, its body) rejects that item alone."""
    envelope = parse_json_object(raw)
    items = envelope.get("items")
    if not isinstance(items, list):
        raise validation("Lot mal formé : items doit être une liste.", status=400)
    if len(items) > MAX_ITEMS:
        raise validation(f"Lot trop long (> {MAX_ITEMS} éléments).", status=400)
    parsed = []
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            raise validation(f"Élément {position} : un objet est attendu.", status=400)
        key = item.get("idempotency_key")
        if not isinstance(key, str) or not UUID_RE.fullmatch(key):
            raise validation(f"Élément {position} : idempotency_key (UUID) attendu.", status=400)
        operation = item.get("operation")
        if operation not in OPERATIONS:
            raise validation(
                f"Élément {position} : operation doit être payment ou voucher_redeem.", status=400
            )
        body = item.get("body")
        if not isinstance(body, dict):
            raise validation(f"Élément {position} : body doit être un objet JSON.", status=400)
        occurred_at = item.get("occurred_at")
        if not isinstance(occurred_at, str):
            raise validation(
                f"Élément {position} : occurred_at doit être une date RFC 3339.", status=400
            )
        parsed.append(BatchItem(key, operation, body, occurred_at, item.get("replay", False)))
    return parsed


OPERATIONS = ("payment", "voucher_redeem")


def _judge(caller: TerminalCaller, item: BatchItem, *, with_token: bool) -> ledger.Judged:
    if item.replay is not None and not isinstance(item.replay, bool):
        raise validation("replay doit être un booléen.")
    at = ledger.item_instant(item.occurred_at)
    return ledger.judge_item(caller.partner, at, replay=bool(item.replay), with_token=with_token)


def _apply_item(svc: Service, caller: TerminalCaller, item: BatchItem) -> dict[str, Any]:
    body = item.body

    def operation(conn: Connection) -> tuple[int, dict[str, Any]]:
        if item.operation == "payment":
            checked = payment_body(body)
            judged = _judge(caller, item, with_token=bool(checked.get("qr_token")))
            return ledger.pay(
                conn, keys=svc.keys, types=svc.types, caller=caller, body=checked, judged=judged
            )
        redeem_body = validate_body(schemas.SyncRedeemBody, body)
        judged = _judge(caller, item, with_token=bool(redeem_body.get("qr_token")))
        return ledger.redeem(
            conn, keys=svc.keys, caller=caller, ticket=redeem_body["ticket_number"],
            qr_token=redeem_body.get("qr_token"), judged=judged,
        )  # fmt: skip

    if item.operation == "payment":
        req_hash = payment_hash(body, b"")
    else:
        req_hash = redeem_hash(body.get("ticket_number"))
    try:
        outcome = idempotency.run(
            svc.db, scope=key_scope(caller), key=item.idempotency_key, req_hash=req_hash,
            operation=operation, wait=True,
        )  # fmt: skip
    except ApiError as err:  # a conflicting key: this item alone is rejected, not stored
        return {
            "idempotency_key": item.idempotency_key,
            "outcome": "rejected",
            "status": err.status,
            "body": err.body(),
        }
    if outcome.replayed:
        verdict = "duplicate"
    else:
        verdict = "applied" if outcome.status < 400 else "rejected"
    return {
        "idempotency_key": item.idempotency_key,
        "outcome": verdict,
        "status": outcome.status,
        "body": json.loads(outcome.body),
    }
