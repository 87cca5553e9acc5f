"""Store and forward: send the outbox to `/v1/sync` in order, keep every outcome, refresh caches.

`SyncEngine.run_once` does one pass (batches of at most 500, oldest first); `SyncWorker` runs it in
a daemon thread with exponential backoff and jitter while the service is away, probing
`/v1/health` to notice on its own that it is back.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pos import journal
from pos.domain import to_rfc3339, utc_now
from pos.outbox import Outbox
from pos.store import Store
from pos.sync import archive_key, rotation, witness
from pos.sync.client import ApiClient, ApiError, ClientError, NotSent

log = logging.getLogger("pos.sync")

BATCH_SIZE = 500
DRIFT_WARNING_S = 120.0
CONTACT_WRITE_EVERY_S = 5.0


@dataclass
class PassResult:
    online: bool
    sent: int = 0
    applied: int = 0
    duplicate: int = 0
    rejected: int = 0
    remaining: int = 0
    error: str | None = None


def sync_item(row: Any) -> dict[str, Any]:
    """The `/v1/sync` item of a queued outbox row. One sent online whose answer was lost (origin
    `unknown`: a timeout, a cut connection, a process that died in flight) is `replay: true`:
    the service judges it as the online call it was (API.md, version 1.1), not as an offline
    payment (a typed card, refused offline, must still count once)."""
    item: dict[str, Any] = {
        "idempotency_key": row["idempotency_key"],
        "operation": row["operation"],
        "body": json.loads(row["body"]),
        "occurred_at": row["occurred_at"],
    }
    if row["origin"] == "unknown":
        item["replay"] = True
    return item


class SyncEngine:
    """One pass of store-and-forward plus the cache refreshes; safe to call from any thread
    (passes are serialised within a process; SQLite serialises processes)."""

    def __init__(
        self,
        store: Store,
        client: Callable[[], ApiClient],
        emit: Callable[[str, dict[str, Any]], None],
        outbox: Outbox | None = None,
    ) -> None:
        self.store = store
        self.outbox = outbox or Outbox(store)
        self.client = client
        self.emit = emit
        self._lock = threading.Lock()
        self._contact_written = -1e9
        self._drift_written = 0.0

    def queue_size(self) -> int:
        return self.outbox.queue_size()

    def run_once(self, progress: Callable[[int, int], None] | None = None) -> PassResult:
        with self._lock:
            return self._run(progress)

    def _run(self, progress: Callable[[int, int], None] | None) -> PassResult:
        self.outbox.recover_in_flight()
        result = PassResult(online=True)
        total = self.outbox.queued_count()
        done = 0
        api = self.client()
        last_seq = 0
        while True:
            rows = self.outbox.next_batch(last_seq, BATCH_SIZE)
            if not rows:
                break
            items = [sync_item(r) for r in rows]
            try:
                results = api.sync(items)
            except ApiError as err:
                result.error = err.code  # the service answered: online, but it said no
                break
            except ClientError as err:
                result.online = False
                result.error = err.code
                break
            self.record_contact(api)
            stop = self._record(rows, results, result)
            result.sent += len(rows)
            done += len(rows)
            if progress:
                progress(min(done, total), total)
            self.emit("sync_progress", {"done": min(done, total), "total": total})
            if stop:
                break
            last_seq = int(rows[-1]["seq"])
        if result.online and result.error is None:
            self.refresh(api)
            self.store.set_state("last_sync_at", to_rfc3339(utc_now()))
            witness.send_head(self.store, api)  # after every pass, even one with nothing to send
            archive_key.register(self.store, api)  # once; a no-op when already registered
            rotation.rotate_if_due(self.store, api)
        result.remaining = self.queue_size()
        self.emit("status", {"queue": result.remaining, "online": result.online})
        return result

    def _record(self, rows: list[Any], results: list[dict[str, Any]], out: PassResult) -> bool:
        """Keep every outcome; True when the pass must stop (an item still in progress)."""
        by_key = {str(r.get("idempotency_key", "")).lower(): r for r in results}
        received = to_rfc3339(utc_now())
        stop = False
        with self.store.transaction() as conn:
            for row in rows:
                res = by_key.get(row["idempotency_key"].lower())
                if res is None:
                    stop = True  # not answered: keep it, and everything after it, queued
                    break
                status = int(res.get("status") or 0)
                raw_body = res.get("body")
                body: dict[str, Any] = raw_body if isinstance(raw_body, dict) else {}
                outcome = str(res.get("outcome"))
                code = body.get("code") if status >= 400 else None
                if code == "idempotency_in_progress":
                    stop = True
                    break
                if outcome == "rejected" or status >= 400:
                    kept = "rejected"
                    out.rejected += 1
                elif outcome == "duplicate":
                    kept = "duplicate"
                    out.duplicate += 1
                else:
                    kept = "applied"
                    out.applied += 1
                self.outbox.record_outcome(
                    conn,
                    row,
                    {"outcome": kept, "status": status, "code": code, "body": body},
                    received,
                )
                tx = body.get("redemption") if row["operation"] == "voucher_redeem" else body
                tx = tx if isinstance(tx, dict) else {}
                journal.append(
                    conn,
                    "sync_outcome",
                    {
                        "idempotency_key": row["idempotency_key"],
                        "operation": row["operation"],
                        "outcome": kept,
                        "status": status,
                        "code": code,
                        "transaction_id": tx.get("transaction_id") or body.get("transaction_id"),
                        "transaction_number": tx.get("transaction_number"),
                        "balance_after_cents": tx.get("balance_after_cents"),
                    },
                )
        return stop

    def record_contact(self, api: ApiClient) -> None:
        """Remember that the service answered (and its clock). Written at most every few
        seconds: each write is an fsync, and a payment contacts the service twice."""
        moment = time.monotonic()
        drift = round(api.clock.drift_seconds, 1) if api.clock is not None else None
        if moment - self._contact_written < CONTACT_WRITE_EVERY_S and (
            drift is None or abs(drift - self._drift_written) < 1.0
        ):
            return
        with self.store.transaction():
            self.store.set_state("last_contact_at", to_rfc3339(utc_now()))
            if drift is not None:
                self.store.set_state("clock_drift_seconds", drift)
        self._contact_written = moment
        if drift is not None:
            self._drift_written = drift
            if abs(drift) > DRIFT_WARNING_S:
                log.warning("horloge décalée de %.0f s par rapport au service central", drift)

    def refresh(self, api: ApiClient) -> None:
        """Keys, deny-list (incremental) and partner profile; a failure here is not fatal."""
        try:
            now = to_rfc3339(utc_now())
            self.store.save_keys(api.keys(), now)
            cursor = self.store.get_state("denylist_cursor")
            page = api.denylist(cursor)
            self.store.add_denied(list(page.get("cards") or []), page.get("cursor"))
            self.store.save_partner(api.partner(), now)
            self.record_contact(api)
        except ClientError as err:
            log.info("rafraîchissement incomplet: %s", err.code)

    def probe(self) -> bool:
        """GET /v1/health (3 s at most); records the contact and the clock drift. One failure
        is confirmed by an immediate second try before it says offline: a lone lost probe (a
        kept-alive connection closed under it) never flips the state the windows show."""
        for _attempt in range(2):
            try:
                api = self.client()
                api.health()
            except NotSent:
                return False  # refused, unreachable: nothing to confirm, offline now
            except (ClientError, RuntimeError):
                continue
            self.record_contact(api)
            return True
        return False


class SyncWorker(threading.Thread):
    """Background store-and-forward: a pass every `interval_s` while online; while the service is
    away, health probes with capped exponential backoff and jitter, then a pass once it is back."""

    def __init__(
        self,
        engine: SyncEngine,
        *,
        interval_s: float = 15.0,
        base_backoff_s: float = 1.0,
        max_backoff_s: float = 120.0,
        on_online: Callable[[bool], None] | None = None,
    ) -> None:
        super().__init__(name="hdf-pos-sync", daemon=True)
        self.engine = engine
        self.interval_s = interval_s
        self.base_backoff_s = base_backoff_s
        self.max_backoff_s = max_backoff_s
        self.on_online = on_online
        self._stop_event = threading.Event()
        self._wake = threading.Event()
        self.failures = 0

    def stop(self) -> None:
        self._stop_event.set()
        self._wake.set()

    def wake(self) -> None:
        """Something was queued: try soon rather than at the next tick."""
        self._wake.set()

    def next_delay(self) -> float:
        if self.failures == 0:
            return self.interval_s
        backoff = min(self.max_backoff_s, self.base_backoff_s * 2 ** (self.failures - 1))
        return backoff * random.uniform(0.5, 1.0)  # full jitter avoids a thundering herd

    def run(self) -> None:
        while not self._stop_event.is_set():
            online = self.engine.probe()
            if online:
                try:
                    result = self.engine.run_once()
                    online = result.online and result.error is None
                except Exception:  # never let the worker die; the next tick retries
                    log.exception("sync pass failed")
                    online = False
            self.failures = 0 if online else self.failures + 1
            if self.on_online:
                self.on_online(online)
            self._wake.wait(self.next_delay())
            self._wake.clear()
