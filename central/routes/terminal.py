"""The terminal's routes: enrolment and its profile, card and voucher look-ups, the money
(payment, redemption, cancellation) and its transactions. Every money route ends in
`central.routes.keyed.idempotent`.

The two hot routes (`GET /v1/cards/{n}`, `POST /v1/payments`) authenticate in the same worker
call as their work, on one connection; their parameters are documented, then checked after
authentication (API.md orders refusals: auth, then the key, then the body).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import Connection, insert, select, update
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from central import ledger, limits, queries, schemas, tokens
from central.clock import now, today
from central.errors import ApiError, unauthorized, validation
from central.ledger import Judged, Partner, TerminalCaller
from central.models import cards, partners, terminals, transactions
from central.routes.deps import (
    CARD_NUMBER_RE,
    KEY_HEADER_DOC,
    TERMINAL_AUTH,
    UUID_RE,
    CardNumberDoc,
    CardNumberPath,
    IdempotencyKey,
    Svc,
    Terminal,
    TicketPath,
    TransactionIdPath,
    check_business_day,
    note_caller,
    service,
)
from central.routes.keyed import (
    cancel_hash,
    idempotent,
    key_scope,
    payment_body,
    payment_raw_hash,
    redeem_hash,
)
from central.security import new_token, token_hash, verify_password
from central.web import (
    binary_doc,
    body_doc,
    dict_response,
    log_fields,
    parse_json_object,
    validate_body,
)

router = APIRouter(tags=["terminal"])


# ---- enrolment and profile ----------------------------------------------------------------------


@router.post(
    "/v1/terminals",
    status_code=201,
    response_model=schemas.Enrolment,
    openapi_extra=body_doc(schemas.EnrolmentRequest),
)
async def enrol(request: Request, svc: Svc) -> Response:
    raw = await request.body()
    db = svc.db
    address = limits.client_address(request)

    def work() -> Response:
        body = validate_body(schemas.EnrolmentRequest, parse_json_object(raw))
        code = body["partner_code"]
        with db.read() as conn:
            row = conn.execute(select(partners).where(partners.c.code == code)).first()
        # An unknown code is hashed against the dummy hash: it answers in the same time.
        if not limits.login_attempt(
            db,
            identity=f"p:{code}",
            address=address,
            check=lambda: verify_password(row.password_hash if row else None, body["password"]),
        ):
            raise unauthorized("Code partenaire ou mot de passe incorrect.")
        assert row is not None
        token = new_token()
        terminal_id = str(uuid.uuid4())
        with db.write() as conn:
            conn.execute(
                insert(terminals).values(
                    id=terminal_id,
                    partner_id=row.id,
                    label=body["label"],
                    token_hash=token_hash(token),
                    created_at=now(),
                )
            )
        log_fields(request)["partner"] = code
        profile = Partner.from_row(row).profile()
        return dict_response(201, {"terminal_id": terminal_id, "token": token, "partner": profile})

    return await run_in_threadpool(work)


@router.delete(
    "/v1/terminals/current",
    status_code=204,
    response_class=Response,
    openapi_extra=TERMINAL_AUTH,
)
async def unenrol(caller: Terminal, svc: Svc) -> Response:
    def work() -> None:
        with svc.db.write() as conn:
            conn.execute(
                update(terminals)
                .where(terminals.c.id == caller.terminal_id)
                .values(revoked_at=now())
            )

    await run_in_threadpool(work)
    return Response(status_code=204)


@router.post(
    "/v1/terminals/current/token",
    status_code=200,
    response_model=schemas.TokenRotation,
    openapi_extra={**TERMINAL_AUTH, **body_doc(schemas.TokenRotationRequest, required=False)},
)
async def rotate_token(request: Request, caller: Terminal, svc: Svc) -> Response:
    """A new token for this terminal (API.md 1.1; `central.tokens`)."""
    presented = svc.presented_token(request.headers.get("authorization"))

    def work() -> str:
        with svc.db.write() as conn:
            return tokens.rotate(conn, caller.terminal_id, presented, now())

    return dict_response(200, {"token": await run_in_threadpool(work)})


@router.get("/v1/partner", response_model=schemas.PartnerProfile, openapi_extra=TERMINAL_AUTH)
async def partner(caller: Terminal) -> Response:
    return dict_response(200, caller.partner.profile())


# ---- look-ups and the money (the OpenAPI document lists paths in this order) -------------------


@router.get("/v1/cards/{card_number}", response_model=schemas.Card, openapi_extra=TERMINAL_AUTH)
async def card(request: Request, card_number: CardNumberDoc) -> Response:
    authorization = request.headers.get("authorization")
    svc = service(request)

    def work() -> dict[str, Any] | None:
        with svc.db.read() as conn:
            caller = svc.terminal_on(conn, authorization)
            note_caller(request, caller)
            if not CARD_NUMBER_RE.match(card_number):
                raise validation("Le n° de carte a 8 chiffres.", status=400)
            if svc.db.is_postgres:
                limits.take_lookup(svc.db, caller.terminal_id, conn)
                return queries.card_view(conn, card_number, caller.partner)
        # SQLite: the token is a write, in its own short transaction (reads never wait for it).
        limits.take_lookup(svc.db, caller.terminal_id)
        with svc.db.read() as conn:
            return queries.card_view(conn, card_number, caller.partner)

    view = await run_in_threadpool(work)
    if view is None:
        raise ApiError(404, "card_not_found", f"Aucune carte n° {card_number}.")
    return dict_response(200, view)


@router.get(
    "/v1/cards/{card_number}/photo",
    response_class=Response,
    openapi_extra=TERMINAL_AUTH,
    responses=binary_doc("image/jpeg"),
)
async def photo(caller: Terminal, card_number: CardNumberPath, svc: Svc) -> Response:
    from central.photos import portrait

    def work() -> bytes | None:
        limits.take_lookup(svc.db, caller.terminal_id)
        with svc.db.read() as conn:
            row = conn.execute(
                select(cards.c.first_name, cards.c.last_name, cards.c.photo_jpeg).where(
                    cards.c.card_number == card_number
                )
            ).first()
        if row is None:
            return None
        return row.photo_jpeg or portrait(card_number, row.first_name, row.last_name)

    jpeg = await run_in_threadpool(work)
    if jpeg is None:
        raise ApiError(404, "card_not_found", f"Aucune carte n° {card_number}.")
    # Minors' photos: never cached by a proxy or written to a browser's disk cache.
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.post(
    "/v1/payments",
    status_code=201,
    response_model=schemas.Transaction,
    openapi_extra={**TERMINAL_AUTH, **body_doc(schemas.PaymentRequest), **KEY_HEADER_DOC},
)
async def pay(request: Request) -> Response:
    raw = await request.body()
    authorization = request.headers.get("authorization")
    key = request.headers.get("idempotency-key") or ""
    svc = service(request)
    callers: list[TerminalCaller] = []

    def authenticate(conn: Connection) -> str:
        caller = svc.terminal_on(conn, authorization)
        note_caller(request, caller)
        if not UUID_RE.match(key):
            raise validation("En-tête Idempotency-Key absent ou pas un UUID.", status=400)
        callers.append(caller)
        return key_scope(caller)

    def operation(conn: Connection) -> tuple[int, dict[str, Any]]:
        body = payment_body(parse_json_object(raw))
        return ledger.pay(
            conn, keys=svc.keys, types=svc.types, caller=callers[-1], body=body,
            judged=Judged(now()),
        )  # fmt: skip

    return await idempotent(request, key, authenticate, operation, req_hash=payment_raw_hash(raw))


@router.get(
    "/v1/vouchers/{ticket_number}", response_model=schemas.Voucher, openapi_extra=TERMINAL_AUTH
)
async def voucher(caller: Terminal, ticket_number: TicketPath, svc: Svc) -> Response:
    db = svc.db

    def work() -> dict[str, Any]:
        with db.read() as conn:
            v = ledger.load_voucher(conn, ticket_number)
        if v is not None and ledger.voucher_is_due(v, today()):
            with db.write() as conn:
                ledger.expire_vouchers(conn, day=today(), ticket=ticket_number)
                v = ledger.load_voucher(conn, ticket_number)
        if v is None:
            raise ApiError(404, "voucher_not_found", f"Aucun prépaiement n° {ticket_number}.")
        if v.partner_id != caller.partner.id:
            raise ApiError(
                403,
                "voucher_other_partner",
                "Ce prépaiement est destiné à un autre partenaire.",
            )
        redemption = None
        if v.redemption_id:
            with db.read() as conn:
                redemption = _transaction_by_id(conn, v.redemption_id, caller.partner.code)
        return ledger.voucher_body(v, redemption)

    return dict_response(200, await run_in_threadpool(work))


def _transaction_by_id(conn: Connection, txn_id: str, partner_code: str) -> dict[str, Any] | None:
    row = conn.execute(select(transactions).where(transactions.c.id == txn_id)).first()
    return ledger.transaction_body(row, partner_code) if row else None


@router.post(
    "/v1/vouchers/{ticket_number}/redeem",
    response_model=schemas.Voucher,
    openapi_extra={**TERMINAL_AUTH, **body_doc(schemas.RedeemRequest, required=False)},
)
async def redeem(
    request: Request, caller: Terminal, ticket_number: TicketPath, key: IdempotencyKey, svc: Svc
) -> Response:
    raw = await request.body()

    def operation(conn: Connection) -> tuple[int, dict[str, Any]]:
        body = validate_body(schemas.RedeemRequest, parse_json_object(raw)) if raw.strip() else {}
        return ledger.redeem(
            conn, keys=svc.keys, caller=caller, ticket=ticket_number,
            qr_token=body.get("qr_token"), judged=Judged(now()),
        )  # fmt: skip

    return await idempotent(request, key, caller, operation, req_hash=redeem_hash(ticket_number))


@router.get("/v1/transactions", response_model=schemas.TransactionPage, openapi_extra=TERMINAL_AUTH)
async def list_transactions(
    caller: Terminal,
    svc: Svc,
    day_from: Annotated[date | None, Query(alias="from")] = None,
    day_to: Annotated[date | None, Query(alias="to")] = None,
    kind: Annotated[schemas.Kind | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    check_business_day(day_from, day_to)
    end = day_to or today()
    start = day_from or (end - timedelta(days=29) if day_to else today() - timedelta(days=29))
    if start > end:
        raise validation("La date de début est après la date de fin.", status=400)

    def work() -> dict[str, Any]:
        with svc.db.read() as conn:
            return queries.list_transactions(
                conn, caller.partner, day_from=start, day_to=end, kind=kind,
                cursor=cursor, limit=limit,
            )  # fmt: skip

    return dict_response(200, await run_in_threadpool(work))


@router.post(
    "/v1/transactions/{transaction_id}/cancel",
    status_code=201,
    response_model=schemas.Transaction,
    openapi_extra={**TERMINAL_AUTH, **body_doc(schemas.CancelRequest)},
)
async def cancel(
    request: Request, caller: Terminal, transaction_id: TransactionIdPath, key: IdempotencyKey
) -> Response:
    raw = await request.body()
    transaction_id = transaction_id.lower()

    def operation(conn: Connection) -> tuple[int, dict[str, Any]]:
        body = validate_body(schemas.CancelRequest, parse_json_object(raw))
        return ledger.cancel(
            conn, caller=caller, transaction_id=transaction_id, reason=body["reason"]
        )

    return await idempotent(
        request, key, caller, operation, req_hash=cancel_hash(transaction_id, raw)
    )
