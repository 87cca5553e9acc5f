"""The beneficiary's routes (what the extranet and the mobile app do): the session, the card and
its QR code, prepayments (vouchers) and their PDF, online payments, reporting a card. The money
routes end in `central.routes.keyed.idempotent`, their keys scoped to the card."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Connection, insert, select
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from central import ledger, limits, queries, schemas
from central.clock import fmt_instant, now
from central.errors import ApiError, unauthorized, validation
from central.ledger import BeneficiaryCaller
from central.models import beneficiary_sessions, cards, partners, wallets
from central.routes.deps import (
    BENEFICIARY_AUTH,
    Beneficiary,
    IdempotencyKey,
    Svc,
    TicketPath,
)
from central.routes.keyed import idempotent, order_hash, prepayment_cancel_hash
from central.security import new_token, token_hash, verify_password
from central.web import binary_doc, body_doc, dict_response, parse_json_object, validate_body
from hdf_common import qrtoken

SESSION_LIFETIME = timedelta(hours=1)

router = APIRouter(tags=["beneficiary"])


@router.post(
    "/v1/beneficiary/session",
    response_model=schemas.BeneficiarySession,
    openapi_extra=body_doc(schemas.BeneficiarySessionRequest),
)
async def session(request: Request, svc: Svc) -> Response:
    raw = await request.body()
    db = svc.db
    address = limits.client_address(request)

    def work() -> dict[str, Any]:
        body = validate_body(schemas.BeneficiarySessionRequest, parse_json_object(raw))
        if bool(body.get("dossier_number")) == bool(body.get("card_number")):
            raise validation("Donnez le n° de dossier ou le n° de carte (un des deux).")
        if body.get("card_number"):
            subject, where = (
                f"c:{body['card_number']}",
                cards.c.card_number == body["card_number"],
            )
        else:
            subject = f"d:{body['dossier_number']}"
            where = cards.c.dossier_number == body["dossier_number"]
        with db.read() as conn:
            row = conn.execute(select(cards.c.id, cards.c.password_hash).where(where)).first()
        # A card's number and its dossier's are one identity: the count is the card's.
        if not limits.login_attempt(
            db,
            identity=f"card:{row.id}" if row else subject,
            address=address,
            check=lambda: verify_password(row.password_hash if row else None, body["password"]),
        ):
            raise unauthorized("Identifiant ou mot de passe incorrect.")
        assert row is not None
        token = new_token()
        expires = now() + SESSION_LIFETIME
        with db.write() as conn:
            conn.execute(
                insert(beneficiary_sessions).values(
                    token_hash=token_hash(token), card_id=row.id, created_at=now(),
                    expires_at=expires,
                )
            )  # fmt: skip
        return {"token": token, "expires_at": fmt_instant(expires)}

    return dict_response(200, await run_in_threadpool(work))


@router.get(
    "/v1/beneficiary/card", response_model=schemas.BeneficiaryCard, openapi_extra=BENEFICIARY_AUTH
)
async def my_card(caller: Beneficiary, svc: Svc) -> Response:
    def work() -> dict[str, Any]:
        with svc.db.read() as conn:
            view = queries.card_view(conn, caller.card_number, None, with_private=True)
            assert view is not None
            card_id = view.pop("_card_id")
            view["vouchers"] = queries.card_vouchers(conn, card_id)
        return view

    return dict_response(200, await run_in_threadpool(work))


@router.post("/v1/beneficiary/qr", response_model=schemas.CardQr, openapi_extra=BENEFICIARY_AUTH)
async def card_qr(caller: Beneficiary, svc: Svc) -> Response:
    def work() -> dict[str, Any]:
        with svc.db.read() as conn:
            view = queries.card_view(conn, caller.card_number, None)
        assert view is not None
        ledger.check_card_status(view["status"])
        iat = int(now().timestamp())
        exp = iat + qrtoken.CARD_TOKEN_LIFETIME_S
        wallets_claim = [
            {"code": w["code"], "balance_cents": w["balance_cents"], "valid_to": w["valid_to"]}
            for w in view["wallets"]
        ]
        claims = {"card": caller.card_number, "iat": iat, "exp": exp, "wallets": wallets_claim}
        token = qrtoken.CARD_PREFIX + svc.keys.sign(claims)
        return {
            "qr_token": token,
            "expires_at": fmt_instant(datetime.fromtimestamp(exp, now().tzinfo)),
        }

    return dict_response(200, await run_in_threadpool(work))


# ---- orders: prepayments (vouchers) and online payments -----------------------------------------


async def _order(
    request: Request,
    caller: BeneficiaryCaller,
    key: str,
    operation_name: str,
    place: Callable[[Connection, dict[str, Any]], tuple[int, dict[str, Any]]],
) -> Response:
    """A prepayment or an online payment: the same body, the same key scope and fingerprint."""
    raw = await request.body()

    def operation(conn: Connection) -> tuple[int, dict[str, Any]]:
        return place(conn, validate_body(schemas.BeneficiaryOrderRequest, parse_json_object(raw)))

    return await idempotent(
        request, key, caller, operation, req_hash=order_hash(operation_name, raw)
    )


@router.post(
    "/v1/beneficiary/prepayments",
    status_code=201,
    response_model=schemas.BeneficiaryVoucher,
    openapi_extra={**BENEFICIARY_AUTH, **body_doc(schemas.BeneficiaryOrderRequest)},
)
async def prepay(request: Request, caller: Beneficiary, key: IdempotencyKey, svc: Svc) -> Response:
    def place(conn: Connection, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return ledger.prepay(conn, keys=svc.keys, types=svc.types, caller=caller, body=body)

    return await _order(request, caller, key, "prepayment", place)


@router.get(
    "/v1/beneficiary/prepayments/{ticket_number}/voucher.pdf",
    response_class=Response,
    openapi_extra=BENEFICIARY_AUTH,
    responses=binary_doc("application/pdf"),
)
async def voucher_pdf(caller: Beneficiary, ticket_number: TicketPath, svc: Svc) -> Response:
    from central.voucher_pdf import render_voucher

    def work() -> bytes:
        with svc.db.read() as conn:
            v = ledger.load_voucher(conn, ticket_number)
            if v is None or v.card_id != caller.card_id:
                raise ApiError(404, "voucher_not_found", f"Aucun prépaiement n° {ticket_number}.")
            p = conn.execute(select(partners).where(partners.c.id == v.partner_id)).one()
            balance = conn.execute(
                select(wallets.c.balance_cents).where(wallets.c.id == v.wallet_id)
            ).scalar_one()
        return render_voucher(
            v, p, balance_after_cents=balance, qr_text=ledger.voucher_qr(svc.keys, v)
        )

    pdf = await run_in_threadpool(work)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="prepaiement-{ticket_number}.pdf"'},
    )


@router.post(
    "/v1/beneficiary/prepayments/{ticket_number}/cancel",
    response_model=schemas.BeneficiaryVoucher,
    openapi_extra=BENEFICIARY_AUTH,
)
async def cancel_prepayment(
    request: Request, caller: Beneficiary, ticket_number: TicketPath, key: IdempotencyKey, svc: Svc
) -> Response:
    def operation(conn: Connection) -> tuple[int, dict[str, Any]]:
        return ledger.cancel_prepayment(conn, keys=svc.keys, caller=caller, ticket=ticket_number)

    return await idempotent(
        request, key, caller, operation, req_hash=prepayment_cancel_hash(ticket_number)
    )


@router.post(
    "/v1/beneficiary/online-payments",
    status_code=201,
    response_model=schemas.Transaction,
    openapi_extra={**BENEFICIARY_AUTH, **body_doc(schemas.BeneficiaryOrderRequest)},
)
async def pay_online(
    request: Request, caller: Beneficiary, key: IdempotencyKey, svc: Svc
) -> Response:
    def place(conn: Connection, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return ledger.pay_online(conn, types=svc.types, caller=caller, body=body)

    return await _order(request, caller, key, "online_payment", place)


@router.post(
    "/v1/beneficiary/card/report",
    response_model=schemas.CardReport,
    openapi_extra={**BENEFICIARY_AUTH, **body_doc(schemas.CardReportRequest)},
)
async def report(request: Request, caller: Beneficiary, svc: Svc) -> Response:
    raw = await request.body()

    def work() -> dict[str, Any]:
        body = validate_body(schemas.CardReportRequest, parse_json_object(raw))
        with svc.db.write() as conn:
            return ledger.report_card(conn, caller=caller, reason=body["reason"])

    return dict_response(200, await run_in_threadpool(work))
