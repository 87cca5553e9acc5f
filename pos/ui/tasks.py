"""The one way the windows run work off the GUI thread, with callbacks always back on it.

Picard's `run_task` / `to_main` and Anki's task manager: the engine (local store + HTTP) gets one
single-thread executor so its calls never race each other, background probes and syncs get their
own so a long sync never delays a lookup at the counter, and photos (network only) a small pool.
The GUI thread never waits on any of them: results come back through a queued Qt signal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, Literal, TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)

T = TypeVar("T")

# Lanes: "engine" for the cashier's operations, "background" for status probes and syncs,
# "network" for photos. Each lane is its own executor.
Lane = Literal["engine", "background", "network"]
LANES: dict[Lane, int] = {"engine": 1, "background": 1, "network": 3}


class TaskRunner(QObject):
    """Runs callables on worker lanes; `on_done` / `on_error` run later on the GUI thread."""

    _deliver = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executors = {
            name: ThreadPoolExecutor(max_workers=n, thread_name_prefix=f"ui-{name}")
            for name, n in LANES.items()
        }
        self._lock = threading.Lock()
        self._pending = 0
        self._closed = False
        self._deliver.connect(self._run_on_main, Qt.ConnectionType.QueuedConnection)

    @property
    def pending(self) -> int:
        """Tasks submitted whose callback has not run yet (tests wait for 0)."""
        with self._lock:
            return self._pending

    def to_main(self, fn: Callable[[], object]) -> None:
        """Run `fn` on the GUI thread soon (safe to call from any thread)."""
        self._deliver.emit(fn)

    def run_task(
        self,
        fn: Callable[[], T],
        *,
        on_done: Callable[[T], object] | None = None,
        on_error: Callable[[BaseException], object] | None = None,
        lane: Lane = "engine",
    ) -> Future[T] | None:
        """Run `fn()` on `lane`; then `on_done(result)` or `on_error(exception)` on the GUI
        thread. Returns None once the runner is shut down (nothing runs)."""
        if self._closed:
            return None
        with self._lock:
            self._pending += 1
        future = self._executors[lane].submit(fn)

        def finished(f: Future[T]) -> None:
            def deliver() -> None:
                try:
                    exc = f.exception()
                    if exc is not None:
                        log.warning("task failed", exc_info=exc)
                        if on_error is not None:
                            on_error(exc)
                    elif on_done is not None:
                        on_done(f.result())
                except RuntimeError as e:  # the widget was deleted meanwhile
                    if "already deleted" not in str(e):
                        raise
                finally:
                    with self._lock:
                        self._pending -= 1

            self.to_main(deliver)

        future.add_done_callback(finished)
        return future

    @Slot(object)
    def _run_on_main(self, fn: Callable[[], object]) -> None:
        try:
            fn()
        except Exception:  # a callback bug must never take the counter down
            log.exception("callback failed on the GUI thread")

    def shutdown(self, *, wait: bool = False) -> None:
        self._closed = True
        for ex in self._executors.values():
            ex.shutdown(wait=wait, cancel_futures=True)


class Operation(Generic[T]):
    """One piece of work with explicit success and failure (Anki's `CollectionOp`).

    `Operation(runner, lambda: terminal.pay(...)).success(show).failure(explain).run()`: `fn`
    runs on `lane` (never on the GUI thread), `show` receives its typed result and `explain` the
    exception it raised, both on the GUI thread.
    """

    def __init__(self, runner: TaskRunner, fn: Callable[[], T], *, lane: Lane = "engine") -> None:
        self._runner = runner
        self._fn = fn
        self._lane: Lane = lane
        self._success: Callable[[T], object] | None = None
        self._failure: Callable[[BaseException], object] | None = None

    def success(self, cb: Callable[[T], object]) -> Operation[T]:
        self._success = cb
        return self

    def failure(self, cb: Callable[[BaseException], object]) -> Operation[T]:
        self._failure = cb
        return self

    def run(self) -> Future[T] | None:
        return self._runner.run_task(
            self._fn, on_done=self._success, on_error=self._failure, lane=self._lane
        )
