"""The FastAPI application: `create_app` wires the routes of `central.routes`, the request log,
the problem+json error handlers, the OpenAPI document, and the process's `Service` (database,
keys, wallet codes), which the routes reach through `request.app.state.service`.

Routes are async and hand their database work to the thread pool in one call each; the pool has
no more threads than the database pool has connections (`central.service.database_threads`).
Money-moving routes read their body themselves (after authentication and the idempotency check,
as API.md orders refusals); their documented request bodies come from central.schemas.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator

import anyio.to_thread
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from central import __version__, limits, metrics
from central.bounds import BodyLimit
from central.routes import ROUTERS
from central.security import return_hash_memory_to_the_os
from central.service import Service
from central.web import RequestLog, install_error_handlers, install_openapi

logger = logging.getLogger("central")

SWEEP_SECONDS = 60.0


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
            metrics.process_ended()

    app = FastAPI(
        title="Génération #HDF — service central",
        version=__version__,
        description="API v1 du service central (contrat terminal ↔ service central).",
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url=None,
        # The routers' routes become the app's own, in ROUTERS' order (the OpenAPI paths' order).
        # Not include_router: FastAPI 0.165 keeps an included router nested and routes through
        # it on every request (measured: +16 % Python calls per look-up + payment, the service's
        # CPU per payment up by about a tenth in bench/central_load.py).
        routes=[route for router in ROUTERS for route in router.routes],
        lifespan=lifespan,
    )
    app.state.service = service
    app.state.proxies = limits.trusted_proxies()
    app.add_middleware(BodyLimit)  # inside the request log: a 413 is logged like any answer
    app.add_middleware(RequestLog)
    install_error_handlers(app)
    install_openapi(app)
    metrics.install(app, service)  # /metrics, /v1/health/ready, request and ledger counters
    return app


def app_from_environment() -> FastAPI:
    """The factory uvicorn's workers call (`serve --workers N`): the URL comes from the parent."""
    return create_app(os.environ.get("HDF_CENTRAL_DATABASE_URL"))
