"""The always-visible state line: online or the red "Hors ligne" bar, queue, offline window, sync.

It is fed `TerminalStatus` objects (from the poller or the engine's "status" events) through a
rate limiter, and `(done, total)` sync progress, also rate-limited; between updates it only counts
the offline window down, once a second, locally.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from hdf_common import clock
from pos.ui.events import RateLimiter

if TYPE_CHECKING:
    from pos.results import TerminalStatus


def local_time(at: datetime | None) -> str:
    if at is None:
        return "—"
    local = at.astimezone()
    if local.date() == clock.now().astimezone().date():
        return local.strftime("%H:%M")
    return local.strftime("%d/%m %H:%M")


def duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s"


Progress = tuple[int, int] | dict[str, int]  # (done, total), or the engine's sync_progress event


class StatusBar(QFrame):
    # The offline-window countdown. The name hides QWidget.window(), which nothing calls on the
    # state line (tests read `bar.window`).
    window: QLabel  # type: ignore[assignment]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusBar")
        self.online: bool | None = None
        self.state = QLabel(self.tr("Connexion…"))
        self.state.setObjectName("stateLabel")
        # http:// to another machine (enrolled with --insecure): said next to the state, always.
        self.unencrypted = QLabel("⚠ " + self.tr("connexion non chiffrée"))
        self.unencrypted.setObjectName("driftWarning")
        self.unencrypted.setToolTip(
            self.tr("Adresse http:// : le jeton et les clés passent en clair sur le réseau.")
        )
        self.unencrypted.hide()
        self.queue = QLabel()
        self.window = QLabel()
        self.window.setObjectName("offlineWindow")
        self.last_sync = QLabel()
        self.drift = QLabel()
        self.drift.setObjectName("driftWarning")
        self.follow_ups = QLabel()
        self.follow_ups.setObjectName("driftWarning")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setFormat(self.tr("Synchronisation %v / %m"))
        self.progress.hide()
        # Two rows, so that every piece is read whole on 1366×768 (cut to fit on one row, the
        # queue and the offline window lost their figures): the state, the queue, the offline
        # window and the last sync; below, only when there are some, the unencrypted connection, the
        # follow-ups and the drift.
        first, second = QHBoxLayout(), QHBoxLayout()
        rows_widgets = (
            (first, (self.queue, self.window, self.progress, self.last_sync)),
            (second, (self.unencrypted, self.follow_ups, self.drift)),
        )
        for row, widgets in rows_widgets:
            row.setSpacing(18)
            for widget in widgets:
                row.addWidget(widget)
            row.addStretch(1)
        rows = QVBoxLayout()
        rows.setSpacing(2)
        rows.addLayout(first)
        rows.addLayout(second)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.setSpacing(18)
        layout.addWidget(self.state)
        layout.addLayout(rows, 1)
        self._window_deadline: float | None = None
        self.show_status = RateLimiter(self._apply_status, 250, self)
        self.show_progress = RateLimiter(self._apply_progress, 200, self)
        self._tick = QTimer(self)
        self._tick.timeout.connect(self._count_down)
        self._tick.start(1000)
        self._set_online(None)

    # -- state ---------------------------------------------------------------------------------
    def _set_online(self, online: bool | None) -> None:
        self.online = online
        if online is None:
            kind, text = "unknown", self.tr("Connexion…")
        elif online:
            kind, text = "online", "● " + self.tr("En ligne")
        else:
            kind, text = "offline", "⚠ " + self.tr("Hors ligne")
        self.setProperty("state", kind)
        self.state.setText(text)
        # Descendant rules ([state="offline"] QLabel) need the children re-polished too.
        for widget in (self, *self.findChildren(QLabel)):
            widget.style().unpolish(widget)
            widget.style().polish(widget)

    def _apply_status(self, status: TerminalStatus) -> None:
        self._set_online(status.online)
        self.unencrypted.setVisible(status.unencrypted)
        queued = status.queue
        since = status.oldest_queued_at
        if queued:
            self.queue.setText(
                self.tr("{count} en attente depuis {since}").format(
                    count=queued, since=local_time(since)
                )
            )
        else:
            self.queue.setText(self.tr("Aucune opération en attente"))
        remaining = status.offline_window_remaining_s
        if remaining is not None and (queued or not self.online):
            self._window_deadline = time.monotonic() + float(remaining)
        else:
            self._window_deadline = None
        self._count_down()
        self.last_sync.setText(
            self.tr("Dernière synchro : {at}").format(at=local_time(status.last_sync_at))
        )
        follow_ups = status.follow_ups
        self.follow_ups.setVisible(bool(follow_ups))
        self.follow_ups.setText(
            self.tr("{count} opération(s) refusée(s) à régler (Gestion)").format(count=follow_ups)
        )
        drift = status.clock_drift_seconds
        if status.drift_warning and drift is not None:
            self.drift.setText(
                self.tr("Horloge décalée de {minutes} min avec le service central").format(
                    minutes=round(abs(float(drift)) / 60)
                )
            )
            self.drift.show()
        else:
            self.drift.hide()

    def _count_down(self) -> None:
        if self._window_deadline is None:
            self.window.hide()
            return
        left = self._window_deadline - time.monotonic()
        self.window.setText(
            self.tr("Hors ligne possible encore {left}").format(left=duration(left))
        )
        self.window.show()

    def _apply_progress(self, value: Progress) -> None:
        # (done, total) from our progress callback, or the engine's {"done": .., "total": ..}
        if isinstance(value, dict):
            done, total = value.get("done", 0), value.get("total", 0)
        else:
            done, total = value
        if total and done < total:
            self.progress.setMaximum(int(total))
            self.progress.setValue(int(done))
            self.progress.show()
        else:
            self.progress.hide()
