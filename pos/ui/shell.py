"""The main window: a shell that assembles the state line and the panels, nothing more.

It also owns the heartbeat: every few seconds a status probe runs on the background lane (so the
"Hors ligne" bar appears within 15 s of the service going away, even when nobody pays), and when
the service is back with operations waiting, a sync drains the queue with progress shown.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pos.results import TerminalStatus
from pos.settings import CAMERA, LANGUAGE
from pos.ui.counter import CounterScreen
from pos.ui.keys import shortcut_button
from pos.ui.services import Services
from pos.ui.status_bar import Progress, StatusBar

if TYPE_CHECKING:
    from pos.ui.settings_dialog import SettingsDialog

PROBE_INTERVAL_MS = 5000
REFRESH_INTERVAL_S = 120


class MainWindow(QMainWindow):
    status_applied = Signal(object)  # each TerminalStatus shown (tests and bench wait on it)
    language_changed = Signal(str)  # saved in the settings: the launcher rebuilds the windows

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.s = services
        partner = services.partner
        self.setWindowTitle(
            self.tr("Terminal Génération #HDF — {partner}").format(
                partner=partner.name if partner else ""
            )
        )
        self.status_bar = StatusBar()
        self.counter = CounterScreen(services)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.counter, self.tr("Comptoir (F1)"))
        self._panels: dict[str, QWidget] = {}
        self._add_lazy_panels()
        self.settings_button = shortcut_button(self.tr("Réglages"), "Ctrl+,", self.open_settings)
        self.tabs.setCornerWidget(self.settings_button, Qt.Corner.TopRightCorner)
        self.partner_label = QLabel(
            f"{partner.name} · {partner.postal_code} {partner.city}".strip(" ·") if partner else ""
        )
        self.partner_label.setObjectName("hint")
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.status_bar)
        body = QVBoxLayout()
        body.setContentsMargins(12, 8, 12, 12)
        body.addWidget(self.tabs, 1)
        foot = QHBoxLayout()
        foot.addWidget(self.partner_label)
        foot.addStretch(1)
        body.addLayout(foot)
        layout.addLayout(body, 1)
        self.setCentralWidget(central)
        for i, key in enumerate((Qt.Key.Key_F1, Qt.Key.Key_F2, Qt.Key.Key_F3)):
            QShortcut(QKeySequence(key), self, lambda i=i: self.tabs.setCurrentIndex(i))

        self._stop_listening = services.bridge.connect_handlers(self)
        self.counter.operation_done.connect(self.refresh_status)
        self._probing = False
        self._syncing = False
        self._last_sync = -1e9
        self.settings_dialog: SettingsDialog | None = None
        self.last_status: TerminalStatus | None = None
        self._heartbeat = QTimer(self)
        self._heartbeat.timeout.connect(self.refresh_status)
        self._heartbeat.start(PROBE_INTERVAL_MS)
        QTimer.singleShot(0, self.refresh_status)
        self.counter.set_camera(services.settings.get(CAMERA))

    def _add_lazy_panels(self) -> None:
        from pos.ui.manager import ManagerPanel
        from pos.ui.transactions import TransactionsPanel

        self.transactions = TransactionsPanel(self.s)
        self.manager = ManagerPanel(self.s)
        self.status_applied.connect(self.manager.on_status)
        self.status_applied.connect(self.transactions.on_status)
        self.tabs.addTab(self.transactions, self.tr("Transactions (F2)"))
        self.tabs.addTab(self.manager, self.tr("Gestion (F3)"))
        self.counter.operation_done.connect(self.transactions.mark_stale)
        self.tabs.currentChanged.connect(self._tab_changed)

    def _tab_changed(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if widget is self.transactions:
            self.transactions.activate()
        elif widget is self.manager:
            self.manager.activate()
        if widget is self.counter:
            self.counter.input.setFocus()

    def scanned(self, text: str) -> None:
        """A wedge or camera scan from anywhere in the app lands on the counter."""
        self.tabs.setCurrentWidget(self.counter)
        self.counter.handle_scan(text)

    def open_settings(self) -> None:
        """The settings dialog, window-modal but not blocking the event loop (the heartbeat and
        a running sync go on behind it)."""
        from pos.ui.settings_dialog import SettingsDialog

        language = self.s.settings.get(LANGUAGE)
        dialog = SettingsDialog(self.s, self)
        self.settings_dialog = dialog

        def finished(result: int) -> None:
            self.settings_dialog = None
            dialog.deleteLater()
            if self.tabs.currentWidget() is self.counter:  # the next scan or number goes there
                self.counter.input.setFocus()
            if not result:
                return
            self.counter.set_camera(self.s.settings.get(CAMERA))
            if self.s.settings.get(LANGUAGE) != language:
                self.language_changed.emit(self.s.settings.get(LANGUAGE))

        dialog.finished.connect(finished)
        dialog.open()

    def retire(self) -> None:
        """This window is being replaced (language switch): stop its timers, camera and events."""
        self._heartbeat.stop()
        self._stop_listening()
        self.close()

    # -- heartbeat ------------------------------------------------------------------------------
    def refresh_status(self) -> None:
        if self._probing:
            return
        self._probing = True
        terminal = self.s.terminal
        self.s.runner.run_task(
            lambda: terminal.status(probe=True),
            on_done=self._status_done,
            on_error=lambda _e: setattr(self, "_probing", False),
            lane="background",
        )

    def _status_done(self, status: TerminalStatus) -> None:
        self._probing = False
        self.on_event_status(status)
        if not status.online or self._syncing:
            return
        # Send what waits at once; otherwise refresh keys, deny-list and profile now and then,
        # so the terminal is ready for an outage.
        stale = time.monotonic() - self._last_sync > REFRESH_INTERVAL_S
        if status.queue or stale:
            self.start_sync()

    def start_sync(self) -> None:
        self._syncing = True
        terminal, bridge = self.s.terminal, self.s.bridge

        def progress(done: int, total: int) -> None:
            bridge.core_callback("sync_progress", (done, total))

        self.s.runner.run_task(
            lambda: terminal.sync(once=True, progress=progress),
            on_done=self._sync_done,
            on_error=self._sync_done,
            lane="background",
        )

    def _sync_done(self, _report: object) -> None:
        self._syncing = False
        self._last_sync = time.monotonic()
        self.status_bar.show_progress((0, 0))
        self.transactions.mark_stale()
        self._probing = False
        self.refresh_status()

    # -- core events (EventBridge routes them here, on the GUI thread) -------------------------
    def on_event_status(self, status: object) -> None:
        # The engine's own "status" events are partial dicts: the state line waits for the
        # probe's whole TerminalStatus (every 5 s, and after each operation).
        if not isinstance(status, TerminalStatus):
            return
        self.last_status = status
        self.status_bar.show_status(status)
        self.status_applied.emit(status)

    def on_event_sync_progress(self, value: object) -> None:
        progress: Progress = value if isinstance(value, tuple | dict) else (0, 0)
        self.status_bar.show_progress(progress)

    def on_event_operation(self, _payload: object) -> None:
        self.transactions.mark_stale()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._heartbeat.stop()
        self.counter.camera.stop(wait_s=2.0)  # closing: let the reader release the device
        self.s.settings.state.setValue("main/geometry", self.saveGeometry())
        super().closeEvent(event)
