"""What a terminal exchanges to work offline and to reconcile: `/v1/sync` (its queued operations,
applied in order, each as its online call would be, judged at its occurred_at, funds at
arrival), `/v1/denylist` (the cards to refuse offline), `/v1/statements/daily` (the day as the
service recorded it).

Each sync item goes through the idempotency store like a single call, with the same scope and
request hashes (`central.routes.keyed`), but waits for a concurrent request on its key instead of
answering 409; a conflicting key rejects that item alone.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from central import idempotency, ledger, metrics, queries, schemas
from central.clock import parse_instant
from central.errors import ApiError, validation
from central.ledger import TerminalCaller
from central.routes.deps import TERMINAL_AUTH, Svc, Terminal, check_business_day
from central.routes.keyed import key_scope, payment_body, payment_hash, redeem_hash
from central.service import Service
from central.web import body_doc, dict_response, parse_json_object, validate_body

router = APIRouter(tags=["terminal"])


@router.post(
    "/v1/sync",
    response_model=schemas.SyncResponse,
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
    items = _parse_batch(raw)
    return {"results": [_apply_item(svc, caller, item, at) for item, at in items]}


def _parse_batch(raw: bytes) -> list[tuple[schemas.SyncItem, datetime]]:
    envelope = parse_json_object(raw)
    try:
        request = schemas.SyncRequest.model_validate(envelope)
    except Exception as exc:
        raise validation("Lot de synchronisation mal formé.", status=400) from exc
    items = []
    for position, item in enumerate(request.items):
        raw_at = envelope["items"][position].get("occurred_at")
        if not isinstance(raw_at, str):
            raise validation(
                f"Élément {position} : occurred_at doit être une date RFC 3339.", status=400
            )
        try:
            occurred_at = parse_instant(raw_at)
        except ValueError as exc:
            raise validation(
                f"Élément {position} : occurred_at illisible (RFC 3339 avec fuseau attendu).",
                status=400,
            ) from exc
        items.append((item, occurred_at))
    return items


def _apply_item(
    svc: Service, caller: TerminalCaller, item: schemas.SyncItem, at: datetime
) -> dict[str, Any]:
    body = item.body

    def operation(conn: Connection) -> tuple[int, dict[str, Any]]:
        judged = ledger.judge_offline(caller.partner, at)
        if item.operation == "payment":
            return ledger.pay(
                conn, keys=svc.keys, types=svc.types, caller=caller,
                body=payment_body(body), judged=judged,
            )  # fmt: skip
        redeem_body = validate_body(schemas.SyncRedeemBody, body)
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
