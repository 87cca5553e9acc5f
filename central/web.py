"""The HTTP plumbing shared by the routes: problem responses for every failure, the request log
line with its request id, body parsing with API.md's 400/422 split, and the OpenAPI document."""

from __future__ import annotations

import email.utils
import json
import logging
import re
import time
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from central import clock, metrics
from central.errors import PROBLEM_MEDIA_TYPE, ApiError, problem_response, validation
from central.schemas import REQUEST_MODELS, Problem

log = logging.getLogger("central.access")


def http_date() -> str:
    """The current instant by the service's clock, as an HTTP Date header says it."""
    return email.utils.formatdate(clock.now().timestamp(), usegmt=True)


# ---- request log --------------------------------------------------------------------------------


class RequestLog:
    """Pure ASGI middleware: one JSON line per request (never a name or a photo: paths carry card
    numbers at most), and an X-Request-ID header on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = ""
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                candidate = value.decode("latin-1")[:64]
                if candidate.isprintable():
                    request_id = candidate
                break
        request_id = request_id or uuid.uuid4().hex
        fields: dict[str, Any] = {}
        scope["hdf_log"] = fields
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"date"]
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                # By the service's clock (settable), not uvicorn's: a terminal compares it with
                # its own to warn of a skew (`serve` turns uvicorn's header off).
                headers.append((b"date", http_date().encode("latin-1")))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            metrics.observe_request(scope, status, time.perf_counter() - started)
            line = {
                "ts": clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                "event": "request",
                "request_id": request_id,
                "method": scope.get("method"),
                "path": scope.get("path"),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                **fields,
            }
            log.info(json.dumps(line, ensure_ascii=False))


def log_fields(request: Request) -> dict[str, Any]:
    fields: dict[str, Any] = request.scope.setdefault("hdf_log", {})
    return fields


# ---- errors -------------------------------------------------------------------------------------


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        headers = dict(exc.headers)
        if exc.code == "rate_limited":
            headers.setdefault("Retry-After", "60")
            metrics.rate_limit_refused(metrics.route_of(request.scope))
        return problem_response(exc.status, exc.code, exc.detail, headers or None, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_request: Request, exc: RequestValidationError) -> Response:
        # Parameters and headers are checked by FastAPI: a malformed request is 400.
        errors = [_error_entry(e) for e in exc.errors()]
        return problem_response(
            400, "validation_error", _summary(errors, "Requête mal formée"), errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 404:
            return problem_response(404, "not_found", "Cette adresse n'existe pas.", headers)
        if exc.status_code == 405:
            return problem_response(
                405, "validation_error", "Méthode non permise à cette adresse.", headers
            )
        code = "validation_error" if 400 <= exc.status_code < 500 else "internal_error"
        return problem_response(exc.status_code, code, str(exc.detail), headers)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> Response:
        logging.getLogger("central").exception("unexpected error: %s", type(exc).__name__)
        return problem_response(500, "internal_error", "Erreur interne du service central.")


def _error_entry(err: Any) -> dict[str, Any]:
    loc = [str(p) for p in err.get("loc", ()) if p not in ("body",)]
    return {"field": ".".join(loc), "message": str(err.get("msg", ""))}


def _summary(errors: list[dict[str, Any]], fallback: str) -> str:
    if not errors:
        return fallback + "."
    first = errors[0]
    where = f" ({first['field']})" if first["field"] else ""
    return f"{fallback}{where} : {first['message']}."


MAX_NESTING = 32
# JSON strings (skipped whole: brackets inside them do not nest), and every byte but a bracket.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(range(256)).translate(None, b"[]{}")


def too_deep(raw: bytes, limit: int = MAX_NESTING) -> bool:
    """Whether the arrays and objects of a JSON text nest deeper than `limit`, found without
    recursion (a body of 100 000 `[` must never reach the parser)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    for byte in _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS):
        if byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object, or 400 validation_error (the request itself is malformed):
    JSON nesting deeper than 32 levels is refused before it is parsed (API.md 1.1)."""
    if not raw.strip():
        raise validation("Un corps JSON est attendu.", status=400)
    if too_deep(raw):
        raise validation(f"Corps JSON trop imbriqué (plus de {MAX_NESTING} niveaux).", status=400)
    try:
        obj = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise validation("Corps JSON illisible.", status=400) from exc
    if not isinstance(obj, dict):
        raise validation("Le corps doit être un objet JSON.", status=400)
    return obj


def validate_body(model: type[BaseModel], obj: dict[str, Any]) -> dict[str, Any]:
    """Check a well-formed body against `model`; an unacceptable value is 422 validation_error."""
    try:
        return model.model_validate(obj).model_dump()
    except ValidationError as exc:
        errors = [_error_entry(e) for e in exc.errors()]
        raise validation(_summary(errors, "Valeur refusée"), errors=errors) from exc


def json_response(status: int, body: bytes) -> Response:
    media = PROBLEM_MEDIA_TYPE if status >= 400 else "application/json"
    return Response(body, status_code=status, media_type=media)


def dict_response(status: int, body: dict[str, Any]) -> Response:
    from central.errors import dumps

    return Response(dumps(body), status_code=status, media_type="application/json")


# ---- OpenAPI ------------------------------------------------------------------------------------


def body_doc(model: type[BaseModel], *, required: bool = True) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": required,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
            },
        }
    }


def binary_doc(media_type: str) -> dict[int | str, dict[str, Any]]:
    """The `responses` of a route that answers a file (a JPEG, a PDF) instead of JSON."""
    return {200: {"content": {media_type: {"schema": {"type": "string", "format": "binary"}}}}}


PROBLEM_STATUSES = {
    "400": "Requête mal formée, JSON imbriqué sur plus de 32 niveaux (validation_error)",
    "401": "Jeton absent, inconnu ou révoqué (unauthorized)",
    "403": "Interdit (forbidden, voucher_other_partner)",
    "404": "Introuvable (not_found, card_not_found, voucher_not_found)",
    "405": "Méthode non permise (validation_error)",
    "409": "Conflit d'état ou d'idempotence",
    "413": "Corps au-delà de 1 Mio, 2 Mio pour /v1/sync (payload_too_large)",
    "422": "Valeur refusée (validation_error, refus métier)",
    "429": "Trop de tentatives (rate_limited) : connexions manquées, consultations de cartes",
    "500": "Erreur interne (internal_error)",
}

RETRY_AFTER_DOC: dict[str, Any] = {
    "description": "Secondes à attendre avant de réessayer (RFC 9110).",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}

PARAM_SCHEMAS: dict[str, dict[str, Any]] = {
    "limit": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50},
}


def _hoist(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    for name, sub in schema.pop("$defs", {}).items():
        components.setdefault(name, sub)
    return schema


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            openapi_version="3.1.0",
        )
        components = schema.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        models: list[type[BaseModel]] = [*REQUEST_MODELS, Problem]
        for model in models:
            js = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas[model.__name__] = _hoist(js, schemas)
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        components["securitySchemes"] = {
            "terminalToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "Jeton de terminal",
            },
            "beneficiaryToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "Jeton de session bénéficiaire",
            },
        }
        problem_ref = {"$ref": "#/components/schemas/Problem"}
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                for status, text in PROBLEM_STATUSES.items():
                    responses[status] = {
                        "description": text,
                        "content": {PROBLEM_MEDIA_TYPE: {"schema": problem_ref}},
                    }
                responses["429"]["headers"] = {"Retry-After": RETRY_AFTER_DOC}
                for param in operation.get("parameters", []):
                    if param["name"] in PARAM_SCHEMAS:
                        param["schema"] = dict(PARAM_SCHEMAS[param["name"]])
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
