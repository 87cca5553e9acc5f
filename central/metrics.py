"""What the service tells Prometheus: `GET /metrics` (text exposition format) and the readiness
probe `GET /v1/health/ready`, installed by `install(app, service)`.

- `hdf_http_requests_total{method,route,status}` and `hdf_http_request_duration_seconds{method,
  route}`: every request, labelled by its route *template* (`/v1/cards/{card_number}`, never a
  card number; `unmatched` for unknown paths), so the series stay few.
- `hdf_ledger_transactions_total{kind,offline}` and `hdf_ledger_amount_cents_total{kind,offline}`:
  ledger rows by kind (payments, cancellations, vouchers…), counted when their transaction
  commits (a rolled-back payment is not counted), from the service's engine events: no code in
  the money path.
- `hdf_sync_items_total{outcome}`: `/v1/sync` items by outcome (`count_sync_results`).
- `hdf_rate_limit_refusals_total{limit}`: every 429 (`rate_limit_refused`, called by the
  `rate_limited` error handler, so any limit that raises it is counted).
- `hdf_db_pool_size`, `hdf_db_pool_in_use`: database connections per process, summed over the
  live workers.

Several workers (`serve --workers N`): prometheus-client's multi-process mode. `serve` points
`PROMETHEUS_MULTIPROC_DIR` at a fresh folder when it is not set (and empties it when it is), each
worker writes its own files there, and any worker answers `/metrics` with the sum.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import Connection, Engine, event
from sqlalchemy.sql.dml import Insert
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import Scope

from central.models import transactions

if TYPE_CHECKING:
    from fastapi import FastAPI

    from central.service import Service

MULTIPROC_VAR = "PROMETHEUS_MULTIPROC_DIR"
METRICS_PATH = "/metrics"
READY_PATH = "/v1/health/ready"

REQUESTS = Counter(
    "hdf_http_requests", "HTTP requests by route template and status", ["method", "route", "status"]
)
LATENCY = Histogram(
    "hdf_http_request_duration_seconds",
    "Time from request to the end of the response",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0),
)
LEDGER_ROWS = Counter(
    "hdf_ledger_transactions", "Ledger rows committed, by kind", ["kind", "offline"]
)
LEDGER_CENTS = Counter(
    "hdf_ledger_amount_cents", "Amounts of the ledger rows committed, in cents", ["kind", "offline"]
)
SYNC_ITEMS = Counter("hdf_sync_items", "Items of /v1/sync batches, by outcome", ["outcome"])
RATE_LIMITED = Counter(
    "hdf_rate_limit_refusals", "Requests refused with 429 rate_limited", ["limit"]
)
POOL_SIZE = Gauge(
    "hdf_db_pool_size", "Pooled database connections allowed", multiprocess_mode="livesum"
)
POOL_IN_USE = Gauge(
    "hdf_db_pool_in_use", "Database connections checked out now", multiprocess_mode="livesum"
)
_PENDING = "hdf_metrics_pending"


# ---- what others call ---------------------------------------------------------------------------


def rate_limit_refused(limit: str) -> None:
    """Count one request refused by a rate limit (`limit`: which one, e.g. the route template)."""
    RATE_LIMITED.labels(limit=limit).inc()


def count_sync_results(results: Iterable[dict[str, Any]]) -> None:
    """Count a sync batch's items by outcome (applied, duplicate, rejected)."""
    for item in results:
        SYNC_ITEMS.labels(outcome=str(item.get("outcome", "unknown"))).inc()


def route_of(scope: Scope) -> str:
    route = scope.get("route")
    return str(getattr(route, "path", "unmatched"))


# ---- several workers ----------------------------------------------------------------------------


def prepare_multiprocess(workers: int) -> None:
    """Before uvicorn starts N workers: a metrics folder they share, emptied of a previous run."""
    if workers <= 1 and not os.environ.get(MULTIPROC_VAR):
        return
    folder = os.environ.get(MULTIPROC_VAR) or ""
    if not folder:  # ours: removed when `serve` ends (the workers do not run this)
        folder = tempfile.mkdtemp(prefix="hdf-central-metrics-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
    Path(folder).mkdir(parents=True, exist_ok=True)
    for stale in Path(folder).glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_VAR] = folder


def exposition() -> bytes:
    if os.environ.get(MULTIPROC_VAR):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return bytes(generate_latest(registry))
    return bytes(generate_latest(REGISTRY))


def process_ended() -> None:
    """This worker's live gauges leave the sums (its counters stay: they happened)."""
    if os.environ.get(MULTIPROC_VAR):
        from prometheus_client import multiprocess

        with contextlib.suppress(OSError):
            multiprocess.mark_process_dead(os.getpid())


# ---- wiring -------------------------------------------------------------------------------------


def observe_request(scope: Scope, status: int, seconds: float) -> None:
    """Count and time one request (called by the request log's middleware as it ends)."""
    method, route = str(scope.get("method")), route_of(scope)
    REQUESTS.labels(method=method, route=route, status=str(status)).inc()
    LATENCY.labels(method=method, route=route).observe(seconds)


def watch_engine(engine: Engine, pool_size: int) -> None:
    """Ledger rows counted at commit, pool connections as they are checked out and in."""
    POOL_SIZE.set(pool_size)

    @event.listens_for(engine, "checkout")
    def _checkout(*_args: Any) -> None:
        POOL_IN_USE.inc()

    @event.listens_for(engine, "checkin")
    def _checkin(*_args: Any) -> None:
        POOL_IN_USE.dec()

    @event.listens_for(engine, "after_execute")
    def _executed(conn: Connection, element: Any, multiparams: Any, params: Any, *_: Any) -> None:
        if not isinstance(element, Insert) or element.table is not transactions:
            return
        rows = [p for p in (multiparams or []) if isinstance(p, dict)]
        if isinstance(params, dict) and params:
            rows.append(params)
        # By row id: an insert skipped because its number was taken is retried with the same id.
        pending = conn.info.setdefault(_PENDING, {})
        for r in rows:
            pending[r.get("id")] = (
                str(r.get("kind")),
                bool(r.get("offline")),
                r.get("amount_cents"),
            )

    @event.listens_for(engine, "begin")
    def _began(conn: Connection) -> None:
        conn.info.pop(_PENDING, None)

    @event.listens_for(engine, "commit")
    def _committed(conn: Connection) -> None:
        for kind, offline, cents in conn.info.pop(_PENDING, {}).values():
            labels = {"kind": kind, "offline": "true" if offline else "false"}
            LEDGER_ROWS.labels(**labels).inc()
            if isinstance(cents, int):
                LEDGER_CENTS.labels(**labels).inc(cents)

    @event.listens_for(engine, "rollback")
    def _rolled_back(conn: Connection) -> None:
        conn.info.pop(_PENDING, None)


def install(app: FastAPI, service: Service) -> None:
    """/metrics, the readiness probe, request metrics and the engine's events, on this app."""
    from central.errors import problem_response

    watch_engine(service.db.engine, service.threads)  # the pool holds one per thread

    @app.get(METRICS_PATH, include_in_schema=False)
    async def metrics() -> Response:
        return Response(await run_in_threadpool(exposition), media_type=CONTENT_TYPE_LATEST)

    def database_answers() -> bool:
        try:
            with service.db.read() as conn:
                conn.exec_driver_sql("SELECT 1")
            return True
        except Exception:  # any failure to reach the database means "not ready"
            return False

    @app.get(READY_PATH, tags=["public"], summary="Prêt : la base de données répond")
    async def ready() -> Response:
        if await run_in_threadpool(database_answers):
            return Response(b'{"status":"ready"}', media_type="application/json")
        return problem_response(
            503, "not_ready", "La base de données du service central ne répond pas.",
            {"Retry-After": "5"}, title="Service non prêt",
        )  # fmt: skip
