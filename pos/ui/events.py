"""Core events turned into one Qt signal on the GUI thread, and a rate limiter for repaints.

Electrum's `common_qt/util.py` pattern: the engine calls plain-Python callbacks from whatever
thread it runs on; this adapter re-emits them as `event(name, payload)` on the GUI thread, where
handlers named `on_event_<name>` pick them up. Frequent events (queue size, sync progress) go
through `RateLimiter` so a 10,000-item sync repaints a few times a second, not 10,000 times.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

if TYPE_CHECKING:
    from pos.terminal import Terminal

V = TypeVar("V")


class EventBridge(QObject):
    """Adapter from `Terminal.subscribe` callbacks to the `event` signal (GUI thread).

    Events coalesce per name: while one "status" (or "operation", "sync_progress") is waiting to
    be delivered, a newer one replaces its payload instead of queueing another. Handlers see the
    latest state; 10,000 operations queued or synced in a burst cost the GUI thread one call.
    """

    # (name, payload). The name hides QObject.event(), which nothing calls on this adapter.
    event = Signal(str, object)  # type: ignore[assignment]
    _incoming = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._latest: dict[str, object] = {}
        # Explicitly queued: the engine emits from worker threads; handlers run on the GUI thread.
        self._incoming.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)
        self.received = 0  # core events received (tests, bench)

    def attach(self, terminal: Terminal) -> None:
        terminal.subscribe(self.core_callback)

    def core_callback(self, name: str, payload: object = None) -> None:
        """Called by the engine from any thread."""
        name = str(name)
        with self._lock:
            self.received += 1
            pending = name in self._latest
            self._latest[name] = payload
        if not pending:
            self._incoming.emit(name)

    @Slot(str)
    def _dispatch(self, name: str) -> None:
        with self._lock:
            payload = self._latest.pop(name, None)
        self.event.emit(name, payload)

    def connect_handlers(self, obj: object) -> Callable[[], None]:
        """Route each event to `obj.on_event_<name>(payload)` when that method exists; returns
        the function that undoes it (a window being replaced stops listening)."""

        def route(name: str, payload: object) -> None:
            handler = getattr(obj, f"on_event_{name}", None)
            if handler is not None:
                handler(payload)

        self.event.connect(route)

        def stop() -> None:
            self.event.disconnect(route)

        return stop


class RateLimiter(QObject, Generic[V]):
    """Calls `fn(latest_value)` at most once per `interval_ms`; intermediate values coalesce."""

    _value: V  # the latest value given (set by the first call, before any `_fire`)

    def __init__(
        self, fn: Callable[[V], None], interval_ms: int = 250, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._fn = fn
        self._interval = interval_ms / 1000
        self._last = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._fire)
        self.calls = 0  # how many times fn ran (tests, bench)

    def __call__(self, value: V) -> None:
        self._value = value
        if self._timer.isActive():
            return
        wait = self._last + self._interval - time.monotonic()
        if wait <= 0:
            self._fire()
        else:
            self._timer.start(int(wait * 1000) + 1)

    def flush(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self._fire()

    @Slot()
    def _fire(self) -> None:
        self._last = time.monotonic()
        self.calls += 1
        self._fn(self._value)
