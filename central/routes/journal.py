"""The journal's witness (API.md 1.1): a terminal records its journal head after every sync and
every closing, and reads back what the service holds. The rules are in `central.journal`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from central import journal
from central.clock import fmt_instant, now
from central.errors import ApiError
from central.routes.deps import TERMINAL_AUTH, Svc, Terminal
from central.web import dict_response, parse_json_object, validate_body

router = APIRouter(tags=["terminal"])

# A journal sequence number: 0 is the empty journal; the bound keeps it inside a BigInteger and a
# JSON number every client reads exactly.
MAX_SEQ = 2**53 - 1
Seq = Annotated[int, Field(ge=0, le=MAX_SEQ)]
Digest = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class JournalHeadRequest(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")
    seq: Seq
    hash: Digest


class JournalHead(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seq: int
    hash: str
    received_at: str


class JournalHeadPage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    heads: list[JournalHead]
    next_after: int | None


def _head_body_doc() -> dict[str, Any]:
    schema = JournalHeadRequest.model_json_schema()
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _not_found() -> ApiError:
    return ApiError(404, "not_found", "Aucune tête de journal enregistrée pour ce terminal.")


@router.put(
    "/v1/terminals/current/journal-head",
    response_model=JournalHead,
    openapi_extra={**TERMINAL_AUTH, **_head_body_doc()},
)
async def put_head(request: Request, caller: Terminal, svc: Svc) -> Response:
    raw = await request.body()

    def work() -> journal.Recorded:
        body = validate_body(JournalHeadRequest, parse_json_object(raw))
        with svc.db.write() as conn:
            return journal.record_head(conn, caller.terminal_id, body["seq"], body["hash"], now())

    recorded = await run_in_threadpool(work)
    if recorded.conflict:
        raise ApiError(
            409,
            "journal_conflict",
            f"Cette tête contredit la tête n° {recorded.head.seq} déjà enregistrée : "
            "le journal du terminal a été réécrit, tronqué ou vidé.",
            recorded=recorded.head.body(),
        )
    return dict_response(200, recorded.head.body())


@router.get(
    "/v1/terminals/current/journal-head", response_model=JournalHead, openapi_extra=TERMINAL_AUTH
)
async def get_head(caller: Terminal, svc: Svc) -> Response:
    def work() -> journal.Head | None:
        with svc.db.read() as conn:
            return journal.last_head(conn, caller.terminal_id)

    head = await run_in_threadpool(work)
    if head is None:
        raise _not_found()
    return dict_response(200, head.body())


@router.get(
    "/v1/terminals/current/journal-heads",
    response_model=JournalHeadPage,
    openapi_extra=TERMINAL_AUTH,
)
async def list_heads(
    caller: Terminal,
    svc: Svc,
    after: Annotated[int, Query(ge=-1, le=MAX_SEQ)] = -1,
    limit: Annotated[int, Query(ge=1, le=journal.HEADS_PAGE_MAX)] = journal.HEADS_PAGE_MAX,
) -> Response:
    def work() -> list[journal.Head]:
        with svc.db.read() as conn:
            return journal.heads(conn, caller.terminal_id, after=after, limit=limit)

    page = await run_in_threadpool(work)
    next_after = page[-1].seq if len(page) == limit else None
    return dict_response(200, {"heads": [h.body() for h in page], "next_after": next_after})


# ---- the public key of the terminal's signed archives (issue 14) ------------------------------

PublicKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{43}$")]


class ArchiveKeyRequest(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")
    public_key: PublicKey


class ArchiveKey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    public_key: str
    registered_at: str


def _key_body(key: str, at: Any) -> dict[str, Any]:
    return {"public_key": key, "registered_at": fmt_instant(at)}


@router.put(
    "/v1/terminals/current/archive-key",
    response_model=ArchiveKey,
    openapi_extra={
        **TERMINAL_AUTH,
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ArchiveKeyRequest.model_json_schema()}},
        },
    },
)
async def put_archive_key(request: Request, caller: Terminal, svc: Svc) -> Response:
    raw = await request.body()

    def work() -> tuple[str, Any, bool]:
        body = validate_body(ArchiveKeyRequest, parse_json_object(raw))
        with svc.db.write() as conn:
            return journal.register_archive_key(conn, caller.terminal_id, body["public_key"], now())

    key, at, same = await run_in_threadpool(work)
    if not same:
        raise ApiError(
            409,
            "archive_key_conflict",
            "Une autre clé d'archive est déjà enregistrée pour ce terminal.",
            recorded=_key_body(key, at),
        )
    return dict_response(200, _key_body(key, at))


@router.get(
    "/v1/terminals/current/archive-key", response_model=ArchiveKey, openapi_extra=TERMINAL_AUTH
)
async def get_archive_key(caller: Terminal, svc: Svc) -> Response:
    def work() -> tuple[str, Any] | None:
        with svc.db.read() as conn:
            return journal.archive_key(conn, caller.terminal_id)

    found = await run_in_threadpool(work)
    if found is None:
        raise ApiError(404, "not_found", "Aucune clé d'archive enregistrée pour ce terminal.")
    return dict_response(200, _key_body(*found))
