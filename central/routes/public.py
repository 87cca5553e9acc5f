"""The routes anyone may call: the service's health (and clock) and the public keys of QR tokens."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from central import __version__, schemas
from central.clock import fmt_instant, now
from central.routes.deps import Svc
from central.web import dict_response

router = APIRouter(tags=["public"])


@router.get("/v1/health", response_model=schemas.Health)
async def health() -> Response:
    return dict_response(200, {"status": "ok", "version": __version__, "time": fmt_instant(now())})


@router.get("/v1/keys", response_model=schemas.KeySet)
async def keys(svc: Svc) -> Response:
    jwks = await run_in_threadpool(svc.keys.jwks)
    return dict_response(200, {"keys": jwks})
