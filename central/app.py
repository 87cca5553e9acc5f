"""The FastAPI application: every endpoint of API.md, wired to the ledger and the queries.

Routes are async and hand their database work to the thread pool in one call each. Money-moving
routes read their body themselves (after authentication and the idempotency check, as API.md
orders refusals); their documented request bodies come from central.schemas.

In this file, in order: `Service` (database, keys, wallet types, authentication, upkeep) and the
caller dependencies; what "the same body" means for idempotency; `create_app`; the terminal
routes (`_terminal_routes`, with `/v1/sync` applied by `_sync`); the beneficiary routes
(`_beneficiary_routes`). The money rules themselves live in `central.ledger`, the read-only
queries in `central.queries`, the key store in `central.idempotency`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, FastAPI, Header, Path, Query, Request
from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.engine import make_url
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from central import __version__, idempotency, ledger, queries, schemas
from central.clock import fmt_instant, now, parse_instant, today
from central.db import Database, normalize_url
from central.errors import ApiError, unauthorized, validation
from central.keyring import KeyRing
from central.ledger import BeneficiaryCaller, Judged, Partner, TerminalCaller
from central.models import beneficiary_sessions, cards, partners, terminals, wallets
from central.schemas import UUID_PATTERN
from central.security import (
    is_rate_limited,
    new_token,
    record_failure,
    return_hash_memory_to_the_os,
    token_hash,
    verify_password,
)
from central.web import (
    RequestLog,
    body_doc,
    dict_response,
    install_error_handlers,
    install_openapi,
    json_response,
    log_fields,
    parse_json_object,
    validate_body,
)
from hdf_common import qrtoken

logger = logging.getLogger("central")

SESSION_LIFETIME = timedelta(hours=1)
SWEEP_SECONDS = 60.0
FUTURE_LEEWAY = timedelta(minutes=5)

TERMINAL_AUTH: dict[str, Any] = {"security": [{"terminalToken": []}]}
BENEFICIARY_AUTH: dict[str, Any] = {"security": [{"beneficiaryToken": []}]}

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        pattern=UUID_PATTERN,
        description="A UUID chosen by the client before its first try.",
    ),
]
CARD_NUMBER_RE = re.compile(r"^[0-9]{8}$")
UUID_RE = re.compile(UUID_PATTERN)
CardNumberPath = Annotated[str, Path(pattern=r"^[0-9]{8}$")]
# The hot routes authenticate and validate in their own worker call, on one connection: their
# parameters are documented here and checked in the handler, after authentication.
CardNumberDoc = Annotated[str, Path(json_schema_extra={"pattern": r"^[0-9]{8}$"})]
KEY_HEADER_DOC: dict[str, Any] = {
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": True,
            "description": "A UUID chosen by the client before its first try.",
            "schema": {"type": "string", "pattern": UUID_PATTERN},
        }
    ]
}
TicketPath = Annotated[str, Path(pattern=r"^[0-9]{12}$")]
TransactionIdPath = Annotated[str, Path(pattern=UUID_PATTERN)]


# Built once: every terminal request runs it, and building a statement costs more than running it.
_TERMINAL_BY_TOKEN = (
    select(terminals.c.id.label("terminal_id"), terminals.c.label, partners)
    .select_from(terminals.join(partners, partners.c.id == terminals.c.partner_id))
    .where(terminals.c.token_hash == bindparam("token_hash"), terminals.c.revoked_at.is_(None))
)


def database_threads(explicit: str | None, *, workers: int, postgres: bool) -> int:
    """Threads per process that run database work (`serve --threads`, else a measured default).

    PostgreSQL: 6. A request's database work is a few short round trips on one GIL; more threads
    only queue behind each other. bench/central_load.py, 2 workers, 50 terminals paced at
    300 payments/s: p99 39-56 ms with 6 threads against 81-120 ms with 32 (three runs each);
    unpaced 650/s p99 104 ms against 636/s p99 173 ms; one shared card 538/s p99 133 ms against
    394/s p99 625 ms. SQLite: writes wait for one lock, and reads must not queue behind them, so
    more threads (look-up p99 57 ms with 32 against 272 ms with 6).
    """
    if explicit:
        return max(1, min(64, int(explicit)))
    if postgres:
        return 6
    return max(8, min(40, 64 // max(1, workers)))


class Service:
    """What the routes share: the database, the signing keys, the wallet codes."""

    def __init__(self, database_url: str | None) -> None:
        workers = int(os.environ.get("HDF_CENTRAL_WORKERS", "1") or 1)
        postgres = make_url(normalize_url(database_url)).get_backend_name() == "postgresql"
        self.threads = database_threads(
            os.environ.get("HDF_CENTRAL_THREADS"), workers=workers, postgres=postgres
        )
        # One pooled connection per worker thread (the threads are what touch the database), so
        # a busy service never opens and closes connections request after request; a little
        # overflow for the rare nested use. Stays under PostgreSQL's 100 connections.
        self.db = Database(database_url, pool_size=self.threads, max_overflow=8)
        self.keys = KeyRing(self.db.engine)
        self.types = ledger.WalletTypes()

    # ---- authentication ----

    def terminal(self, authorization: str | None) -> TerminalCaller:
        _bearer(authorization)  # no database trip for an absent or malformed header
        with self.db.read() as conn:
            return self.terminal_on(conn, authorization)

    def terminal_on(self, conn: Connection, authorization: str | None) -> TerminalCaller:
        """Authenticate on a connection the caller already holds (one trip fewer per request)."""
        token = _bearer(authorization)
        row = conn.execute(_TERMINAL_BY_TOKEN, {"token_hash": token_hash(token)}).first()
        if row is None:
            raise unauthorized()
        return TerminalCaller(row.terminal_id, row.label, Partner.from_row(row))

    def beneficiary(self, authorization: str | None) -> BeneficiaryCaller:
        token = _bearer(authorization)
        with self.db.read() as conn:
            row = conn.execute(
                select(cards.c.id, cards.c.card_number)
                .select_from(
                    beneficiary_sessions.join(cards, cards.c.id == beneficiary_sessions.c.card_id)
                )
                .where(
                    beneficiary_sessions.c.token_hash == token_hash(token),
                    beneficiary_sessions.c.expires_at > now(),
                )
            ).first()
        if row is None:
            raise unauthorized("Session bénéficiaire absente ou expirée.")
        return BeneficiaryCaller(row.id, row.card_number)

    # ---- background upkeep ----

    def sweep(self) -> None:
        """Expire due vouchers (money back to the wallet), forget old keys and sessions."""
        with self.db.write() as conn:
            ledger.expire_vouchers(conn, day=today())
            idempotency.purge(conn)
            conn.execute(
                delete(beneficiary_sessions).where(beneficiary_sessions.c.expires_at < now())
            )


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise unauthorized()
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 512:
        raise unauthorized()
    return token


def _service(request: Request) -> Service:
    svc: Service = request.app.state.service
    return svc


def _note_caller(request: Request, caller: TerminalCaller) -> None:
    fields = log_fields(request)
    fields["partner"] = caller.partner.code
    fields["terminal"] = caller.terminal_id


def terminal_caller(
    request: Request, authorization: Annotated[str | None, Header(include_in_schema=False)] = None
) -> TerminalCaller:
    caller = _service(request).terminal(authorization)
    _note_caller(request, caller)
    return caller


def beneficiary_caller(
    request: Request, authorization: Annotated[str | None, Header(include_in_schema=False)] = None
) -> BeneficiaryCaller:
    caller = _service(request).beneficiary(authorization)
    log_fields(request)["card"] = caller.card_number
    return caller


Terminal = Annotated[TerminalCaller, Depends(terminal_caller)]
Beneficiary = Annotated[BeneficiaryCaller, Depends(beneficiary_caller)]


# ---- request fingerprints (what "the same body" means for idempotency) ------------------------


def _try_object(raw: bytes) -> dict[str, Any] | None:
    try:
        return parse_json_object(raw)
    except ApiError:
        return None


def payment_fingerprint(obj: dict[str, Any] | None, raw: bytes) -> Any:
    # The QR token is left out: it proves the card was there, it is not what was asked. A payment
    # tried online and then queued for /v1/sync may carry a token the second time.
    if obj is None:
        return raw.hex()
    return {k: obj.get(k) for k in ("card_number", "wallet_code", "amount_cents", "reference")}


def _outcome_response(outcome: idempotency.Outcome) -> Response:
    response = json_response(outcome.status, outcome.body)
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _payment_body(obj: dict[str, Any]) -> dict[str, Any]:
    body = validate_body(schemas.PaymentRequest, obj)
    if body["entry_mode"] == "qr" and not body.get("qr_token"):
        raise validation("Un paiement par QR code doit fournir le jeton du QR code (qr_token).")
    return body


# ---- the application ----------------------------------------------------------------------------


def create_app(database_url: str | None = None) -> FastAPI:
    return_hash_memory_to_the_os()
    service = Service(database_url)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # No more threads than pooled connections (anyio's default is 40 per process).
        anyio.to_thread.current_default_thread_limiter().total_tokens = service.threads

        async def upkeep() -> None:
            while True:
                try:
                    await run_in_threadpool(service.sweep)
                except Exception:  # keep sweeping: a failed sweep is retried next minute
                    logger.exception("sweep failed")
                await asyncio.sleep(SWEEP_SECONDS)

        task = asyncio.create_task(upkeep())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            service.db.dispose()

    app = FastAPI(
        title="Génération #HDF — service central",
        version=__version__,
        description="API v1 du service central (contrat terminal ↔ service central).",
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.service = service
    app.add_middleware(RequestLog)
    install_error_handlers(app)
    install_openapi(app)
    _terminal_routes(app, service)
    _beneficiary_routes(app, service)
    return app


def _terminal_routes(app: FastAPI, svc: Service) -> None:
    db = svc.db

    @app.get("/v1/health", response_model=schemas.Health, tags=["public"])
    async def health() -> Response:
        return dict_response(
            200, {"status": "ok", "version": __version__, "time": fmt_instant(now())}
        )

    @app.get("/v1/keys", response_model=schemas.KeySet, tags=["public"])
    async def keys() -> Response:
        jwks = await run_in_threadpool(svc.keys.jwks)
        return dict_response(200, {"keys": jwks})

    @app.post(
        "/v1/terminals",
        status_code=201,
        response_model=schemas.Enrolment,
        tags=["terminal"],
        openapi_extra=body_doc(schemas.EnrolmentRequest),
    )
    async def enrol(request: Request) -> Response:
        raw = await request.body()

        def work() -> Response:
            body = validate_body(schemas.EnrolmentRequest, parse_json_object(raw))
            code = body["partner_code"]
            subject = f"p:{code}"[:64]
            with db.read() as conn:
                if is_rate_limited(conn, subject):
                    raise ApiError(
                        429, "rate_limited", "Trop d'essais : réessayez dans une minute."
                    )
                row = conn.execute(select(partners).where(partners.c.code == code)).first()
            if row is None or not verify_password(
                row.password_hash if row else None, body["password"]
            ):
                with db.write() as conn:
                    record_failure(conn, subject)
                raise unauthorized("Code partenaire ou mot de passe incorrect.")
            token = new_token()
            import uuid

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
            return dict_response(
                201, {"terminal_id": terminal_id, "token": token, "partner": profile}
            )

        return await run_in_threadpool(work)

    @app.delete(
        "/v1/terminals/current",
        status_code=204,
        response_class=Response,
        tags=["terminal"],
        openapi_extra=TERMINAL_AUTH,
    )
    async def unenrol(caller: Terminal) -> Response:
        def work() -> None:
            with db.write() as conn:
                conn.execute(
                    update(terminals)
                    .where(terminals.c.id == caller.terminal_id)
                    .values(revoked_at=now())
                )

        await run_in_threadpool(work)
        return Response(status_code=204)

    @app.get(
        "/v1/partner",
        response_model=schemas.PartnerProfile,
        tags=["terminal"],
        openapi_extra=TERMINAL_AUTH,
    )
    async def partner(caller: Terminal) -> Response:
        return dict_response(200, caller.partner.profile())

    @app.get(
        "/v1/cards/{card_number}",
        response_model=schemas.Card,
        tags=["terminal"],
        openapi_extra=TERMINAL_AUTH,
    )
    async def card(request: Request, card_number: CardNumberDoc) -> Response:
        authorization = request.headers.get("authorization")

        def work() -> dict[str, Any] | None:
            with db.read() as conn:
                caller = svc.terminal_on(conn, authorization)
                _note_caller(request, caller)
                if not CARD_NUMBER_RE.match(card_number):
                    raise validation("Le n° de carte a 8 chiffres.", status=400)
                return queries.card_view(conn, card_number, caller.partner)

        view = await run_in_threadpool(work)
        if view is None:
            raise ApiError(404, "card_not_found", f"Aucune carte n° {card_number}.")
        return dict_response(200, view)

    @app.get(
        "/v1/cards/{card_number}/photo",
        response_class=Response,
        tags=["terminal"],
        openapi_extra=TERMINAL_AUTH,
        responses={
            200: {"content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}
        },
    )
    async def photo(caller: Terminal, card_number: CardNumberPath) -> Response:
        from central.photos import portrait

        def work() -> bytes | None:
            with db.read() as conn:
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

    @app.post(
        "/v1/payments",
        status_code=201,
        response_model=schemas.Transaction,
        tags=["terminal"],
        openapi_extra={**TERMINAL_AUTH, **body_doc(schemas.PaymentRequest), **KEY_HEADER_DOC},
    )
    async def pay(request: Request) -> Response:
        raw = await request.body()
        authorization = request.headers.get("authorization")
        key = request.headers.get("idempotency-key") or ""

        def work() -> idempotency.Outcome:
            obj = _try_object(raw)
            callers: list[TerminalCaller] = []

            def begin(conn: Connection) -> str:
                caller = svc.terminal_on(conn, authorization)
                _note_caller(request, caller)
                if not UUID_RE.match(key):
                    raise validation("En-tête Idempotency-Key absent ou pas un UUID.", status=400)
                callers.append(caller)
                return f"p:{caller.partner.id}"

            def operation(conn: Connection) -> tuple[int, dict[str, Any]]:
                body = _payment_body(parse_json_object(raw))
                return ledger.pay(
                    conn, keys=svc.keys, types=svc.types, caller=callers[-1], body=body,
                    judged=Judged(now()),
                )  # fmt: skip

            return idempotency.run(
                db,
                scope="",
                key=key,
                req_hash=idempotency.request_hash("payment", payment_fingerprint(obj, raw)),
                operation=operation,
                begin=begin,
            )

        return _outcome_response(await run_in_threadpool(work))

    @app.get(
        "/v1/vouchers/{ticket_number}",
        response_model=schemas.Voucher,
        tags=["terminal"],
        openapi_extra=TERMINAL_AUTH,
    )
    async def voucher(caller: Terminal, ticket_number: TicketPath) -> Response:
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

    @app.post(
        "/v1/vouchers/{ticket_number}/redeem",
        response_model=schemas.Voucher,
        tags=["terminal"],
        openapi_extra={**TERMINAL_AUTH, **body_doc(schemas.RedeemRequest, required=False)},
    )
    async def redeem(
        request: Request, caller: Terminal, ticket_number: TicketPath, key: IdempotencyKey
    ) -> Response:
        raw = await request.body()

        def work() -> idempotency.Outcome:
            def operation(conn: Connection) -> tuple[int, dict[str, Any]]:
                body = (
                    validate_body(schemas.RedeemRequest, parse_json_object(raw))
                    if raw.strip()
                    else {}
                )
                return ledger.redeem(
                    conn, keys=svc.keys, caller=caller, ticket=ticket_number,
                    qr_token=body.get("qr_token"), judged=Judged(now()),
                )  # fmt: skip

            return idempotency.run(
                db,
                scope=f"p:{caller.partner.id}",
                key=key,
                req_hash=idempotency.request_hash("voucher_redeem", ticket_number),
                operation=operation,
            )

        return _outcome_response(await run_in_threadpool(work))

    @app.get(
        "/v1/transactions",
        response_model=schemas.TransactionPage,
        tags=["terminal"],
        openapi_extra=TERMINAL_AUTH,
    )
    async def list_transactions(
        caller: Terminal,
        day_from: Annotated[date | None, Query(alias="from")] = None,
        day_to: Annotated[date | None, Query(alias="to")] = None,
        kind: Annotated[schemas.Kind | None, Query()] = None,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> Response:
        _check_business_day(day_from, day_to)
        end = day_to or today()
        start = day_from or (end - timedelta(days=29) if day_to else today() - timedelta(days=29))
        if start > end:
            raise validation("La date de début est après la date de fin.", status=400)

        def work() -> dict[str, Any]:
            with db.read() as conn:
                return queries.list_transactions(
                    conn, caller.partner, day_from=start, day_to=end, kind=kind,
                    cursor=cursor, limit=limit,
                )  # fmt: skip

        return dict_response(200, await run_in_threadpool(work))

    @app.post(
        "/v1/transactions/{transaction_id}/cancel",
        status_code=201,
        response_model=schemas.Transaction,
        tags=["terminal"],
        openapi_extra={**TERMINAL_AUTH, **body_doc(schemas.CancelRequest)},
    )
    async def cancel(
        request: Request, caller: Terminal, transaction_id: TransactionIdPath, key: IdempotencyKey
    ) -> Response:
        raw = await request.body()
        transaction_id = transaction_id.lower()

        def work() -> idempotency.Outcome:
            obj = _try_object(raw)

            def operation(conn: Connection) -> tuple[int, dict[str, Any]]:
                body = validate_body(schemas.CancelRequest, parse_json_object(raw))
                return ledger.cancel(
                    conn, caller=caller, transaction_id=transaction_id, reason=body["reason"]
                )

            fingerprint = [transaction_id, obj.get("reason") if obj else raw.hex()]
            return idempotency.run(
                db,
                scope=f"p:{caller.partner.id}",
                key=key,
                req_hash=idempotency.request_hash("cancel", fingerprint),
                operation=operation,
            )

        return _outcome_response(await run_in_threadpool(work))

    @app.post(
        "/v1/sync",
        response_model=schemas.SyncResponse,
        tags=["terminal"],
        openapi_extra={**TERMINAL_AUTH, **body_doc(schemas.SyncRequest)},
    )
    async def sync(request: Request, caller: Terminal) -> Response:
        raw = await request.body()
        return dict_response(200, await run_in_threadpool(_sync, svc, caller, raw))

    @app.get(
        "/v1/denylist",
        response_model=schemas.Denylist,
        tags=["terminal"],
        openapi_extra=TERMINAL_AUTH,
    )
    async def denylist(
        caller: Terminal,
        since: Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$")] = None,
    ) -> Response:
        def work() -> dict[str, Any]:
            with db.read() as conn:
                return queries.denylist(conn, since)

        return dict_response(200, await run_in_threadpool(work))

    @app.get(
        "/v1/statements/daily",
        response_model=schemas.DailyStatement,
        tags=["terminal"],
        openapi_extra=TERMINAL_AUTH,
    )
    async def statement(caller: Terminal, day: Annotated[date, Query(alias="date")]) -> Response:
        _check_business_day(day)

        def work() -> dict[str, Any]:
            with db.read() as conn:
                return queries.daily_statement(conn, caller.partner, day)

        return dict_response(200, await run_in_threadpool(work))


def _check_business_day(*days: date | None) -> None:
    """400 for a day whose Paris bounds (in UTC, a month of slack) a datetime cannot hold."""
    for day in days:
        if day is not None and not date(2, 1, 1) <= day <= date(9998, 12, 1):
            raise validation("Date hors des limites acceptées.", status=400)


def _transaction_by_id(conn: Connection, txn_id: str, partner_code: str) -> dict[str, Any] | None:
    from central.models import transactions

    row = conn.execute(select(transactions).where(transactions.c.id == txn_id)).first()
    return ledger.transaction_body(row, partner_code) if row else None


def _sync(svc: Service, caller: TerminalCaller, raw: bytes) -> dict[str, Any]:
    """POST /v1/sync: apply queued offline operations in order, each as its online call would be,
    judged at its occurred_at (funds at arrival)."""
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

    scope = f"p:{caller.partner.id}"
    max_age = timedelta(hours=caller.partner.max_age_hours)
    results = []
    for item, occurred_at in items:
        body_obj = item.body

        def operation(
            conn: Connection, item: Any = item, at: datetime = occurred_at, body: Any = body_obj
        ) -> tuple[int, dict[str, Any]]:
            arrival = now()
            if at < arrival - max_age:
                raise validation(
                    f"Opération hors ligne trop ancienne (> {caller.partner.max_age_hours} h)."
                )
            if at > arrival + FUTURE_LEEWAY:
                raise validation("Opération datée dans le futur : vérifiez l'horloge du terminal.")
            judged = Judged(at, offline=True)
            if item.operation == "payment":
                return ledger.pay(
                    conn, keys=svc.keys, types=svc.types, caller=caller,
                    body=_payment_body(body), judged=judged,
                )  # fmt: skip
            redeem_body = validate_body(schemas.SyncRedeemBody, body)
            return ledger.redeem(
                conn, keys=svc.keys, caller=caller, ticket=redeem_body["ticket_number"],
                qr_token=redeem_body.get("qr_token"), judged=judged,
            )  # fmt: skip

        if item.operation == "payment":
            req_hash = idempotency.request_hash("payment", payment_fingerprint(body_obj, b""))
        else:
            req_hash = idempotency.request_hash("voucher_redeem", body_obj.get("ticket_number"))
        try:
            outcome = idempotency.run(
                svc.db, scope=scope, key=item.idempotency_key, req_hash=req_hash,
                operation=operation, wait=True,
            )  # fmt: skip
        except ApiError as err:  # a conflicting key: this item alone is rejected, not stored
            results.append(
                {
                    "idempotency_key": item.idempotency_key,
                    "outcome": "rejected",
                    "status": err.status,
                    "body": err.body(),
                }
            )
            continue
        if outcome.replayed:
            verdict = "duplicate"
        else:
            verdict = "applied" if outcome.status < 400 else "rejected"
        results.append(
            {
                "idempotency_key": item.idempotency_key,
                "outcome": verdict,
                "status": outcome.status,
                "body": json.loads(outcome.body),
            }
        )
    return {"results": results}


def _beneficiary_routes(app: FastAPI, svc: Service) -> None:
    db = svc.db

    @app.post(
        "/v1/beneficiary/session",
        response_model=schemas.BeneficiarySession,
        tags=["beneficiary"],
        openapi_extra=body_doc(schemas.BeneficiarySessionRequest),
    )
    async def session(request: Request) -> Response:
        raw = await request.body()

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
                if is_rate_limited(conn, subject):
                    raise ApiError(
                        429, "rate_limited", "Trop d'essais : réessayez dans une minute."
                    )
                row = conn.execute(select(cards.c.id, cards.c.password_hash).where(where)).first()
            if not verify_password(row.password_hash if row else None, body["password"]):
                with db.write() as conn:
                    record_failure(conn, subject)
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

    @app.get(
        "/v1/beneficiary/card",
        response_model=schemas.BeneficiaryCard,
        tags=["beneficiary"],
        openapi_extra=BENEFICIARY_AUTH,
    )
    async def my_card(caller: Beneficiary) -> Response:
        def work() -> dict[str, Any]:
            with db.read() as conn:
                view = queries.card_view(conn, caller.card_number, None, with_private=True)
                assert view is not None
                card_id = view.pop("_card_id")
                view["vouchers"] = queries.card_vouchers(conn, card_id)
            return view

        return dict_response(200, await run_in_threadpool(work))

    @app.post(
        "/v1/beneficiary/qr",
        response_model=schemas.CardQr,
        tags=["beneficiary"],
        openapi_extra=BENEFICIARY_AUTH,
    )
    async def card_qr(caller: Beneficiary) -> Response:
        def work() -> dict[str, Any]:
            with db.read() as conn:
                view = queries.card_view(conn, caller.card_number, None)
            assert view is not None
            ledger.check_card_status(view["status"])
            iat = int(now().timestamp())
            exp = iat + qrtoken.CARD_TOKEN_LIFETIME_S
            claims = {
                "card": caller.card_number,
                "iat": iat,
                "exp": exp,
                "wallets": [
                    {
                        "code": w["code"],
                        "balance_cents": w["balance_cents"],
                        "valid_to": w["valid_to"],
                    }
                    for w in view["wallets"]
                ],
            }
            token = qrtoken.CARD_PREFIX + svc.keys.sign(claims)
            return {
                "qr_token": token,
                "expires_at": fmt_instant(datetime.fromtimestamp(exp, now().tzinfo)),
            }

        return dict_response(200, await run_in_threadpool(work))

    def _card_key_run(
        caller: BeneficiaryCaller, key: str, operation_name: str, fingerprint: Any, operation: Any
    ) -> idempotency.Outcome:
        return idempotency.run(
            db,
            scope=f"c:{caller.card_id}",
            key=key,
            req_hash=idempotency.request_hash(operation_name, fingerprint),
            operation=operation,
        )

    @app.post(
        "/v1/beneficiary/prepayments",
        status_code=201,
        response_model=schemas.BeneficiaryVoucher,
        tags=["beneficiary"],
        openapi_extra={**BENEFICIARY_AUTH, **body_doc(schemas.BeneficiaryOrderRequest)},
    )
    async def prepay(request: Request, caller: Beneficiary, key: IdempotencyKey) -> Response:
        raw = await request.body()

        def work() -> idempotency.Outcome:
            def operation(conn: Connection) -> tuple[int, dict[str, Any]]:
                body = validate_body(schemas.BeneficiaryOrderRequest, parse_json_object(raw))
                return ledger.prepay(conn, keys=svc.keys, types=svc.types, caller=caller, body=body)

            return _card_key_run(caller, key, "prepayment", _order_fingerprint(raw), operation)

        return _outcome_response(await run_in_threadpool(work))

    @app.get(
        "/v1/beneficiary/prepayments/{ticket_number}/voucher.pdf",
        response_class=Response,
        tags=["beneficiary"],
        openapi_extra=BENEFICIARY_AUTH,
        responses={
            200: {
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
            }
        },
    )
    async def voucher_pdf(caller: Beneficiary, ticket_number: TicketPath) -> Response:
        from central.voucher_pdf import render_voucher

        def work() -> bytes:
            with db.read() as conn:
                v = ledger.load_voucher(conn, ticket_number)
                if v is None or v.card_id != caller.card_id:
                    raise ApiError(
                        404, "voucher_not_found", f"Aucun prépaiement n° {ticket_number}."
                    )
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

    @app.post(
        "/v1/beneficiary/prepayments/{ticket_number}/cancel",
        response_model=schemas.BeneficiaryVoucher,
        tags=["beneficiary"],
        openapi_extra=BENEFICIARY_AUTH,
    )
    async def cancel_prepayment(
        caller: Beneficiary, ticket_number: TicketPath, key: IdempotencyKey
    ) -> Response:
        def work() -> idempotency.Outcome:
            def operation(conn: Connection) -> tuple[int, dict[str, Any]]:
                return ledger.cancel_prepayment(
                    conn, keys=svc.keys, caller=caller, ticket=ticket_number
                )

            return _card_key_run(caller, key, "prepayment_cancel", ticket_number, operation)

        return _outcome_response(await run_in_threadpool(work))

    @app.post(
        "/v1/beneficiary/online-payments",
        status_code=201,
        response_model=schemas.Transaction,
        tags=["beneficiary"],
        openapi_extra={**BENEFICIARY_AUTH, **body_doc(schemas.BeneficiaryOrderRequest)},
    )
    async def pay_online(request: Request, caller: Beneficiary, key: IdempotencyKey) -> Response:
        raw = await request.body()

        def work() -> idempotency.Outcome:
            def operation(conn: Connection) -> tuple[int, dict[str, Any]]:
                body = validate_body(schemas.BeneficiaryOrderRequest, parse_json_object(raw))
                return ledger.pay_online(conn, types=svc.types, caller=caller, body=body)

            return _card_key_run(caller, key, "online_payment", _order_fingerprint(raw), operation)

        return _outcome_response(await run_in_threadpool(work))

    @app.post(
        "/v1/beneficiary/card/report",
        response_model=schemas.CardReport,
        tags=["beneficiary"],
        openapi_extra={**BENEFICIARY_AUTH, **body_doc(schemas.CardReportRequest)},
    )
    async def report(request: Request, caller: Beneficiary) -> Response:
        raw = await request.body()

        def work() -> dict[str, Any]:
            body = validate_body(schemas.CardReportRequest, parse_json_object(raw))
            with db.write() as conn:
                return ledger.report_card(conn, caller=caller, reason=body["reason"])

        return dict_response(200, await run_in_threadpool(work))


def _order_fingerprint(raw: bytes) -> Any:
    obj = _try_object(raw)
    if obj is None:
        return raw.hex()
    return {k: obj.get(k) for k in ("partner_code", "wallet_code", "amount_cents")}


def app_from_environment() -> FastAPI:
    """The factory uvicorn's workers call (`serve --workers N`): the URL comes from the parent."""
    return create_app(os.environ.get("HDF_CENTRAL_DATABASE_URL"))
