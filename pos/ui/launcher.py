"""What opens first: the first-run wizard when the terminal is not enrolled, else the counter."""

from __future__ import annotations

import gc
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from pos.ui.services import Services


class Launcher(QObject):
    counter_opened = Signal(object)  # the MainWindow

    def __init__(self, services: Services, app: Any) -> None:
        super().__init__(app)
        self.s = services
        self.app = app
        self.wizard: Any = None
        self.window: Any = None
        self.wedge: Any = None

    def start(self) -> None:
        # Startup reads the local store once, before any window exists (nothing to freeze yet).
        if self.s.terminal.is_enrolled():
            self.s.partner = self.s.terminal.partner
            self.open_counter()
        else:
            from pos.ui.wizard import FirstRunWizard

            self.wizard = FirstRunWizard(self.s)
            self.wizard.completed.connect(self._enrolled)
            self.wizard.show()

    def _enrolled(self, partner: Any) -> None:
        self.s.partner = partner
        self.open_counter()

    def open_counter(self) -> None:
        from pos.ui.shell import MainWindow
        from pos.ui.wedge import WedgeFilter

        self.window = MainWindow(self.s)
        self.window.language_changed.connect(self.switch_language)
        self.wedge = WedgeFilter(self.app)
        self.wedge.scanned.connect(self.window.scanned)
        self.app.installEventFilter(self.wedge)
        geometry = self.s.settings.state.value("main/geometry")
        if geometry is None or not self.window.restoreGeometry(geometry):
            self.window.resize(1280, 800)
        self.window.show()
        self.window.counter.input.setFocus()
        self.counter_opened.emit(self.window)
        QTimer.singleShot(0, freeze_startup_objects)

    def switch_language(self, lang: str) -> None:
        """Apply a language at once: swap the translator and rebuild the windows (every text is
        set when its widget is made). The engine, the queue and a running sync are not touched;
        the counter comes back empty, as after a sale."""
        from pos.settings import LANGUAGE
        from pos.ui import i18n

        window = self.window
        if window.counter.busy or self.s.runner.pending:
            # A payment (or a probe, a sync step) is on its way: its result must land on the
            # window the cashier sees. Try again in a moment, with the latest choice saved.
            def retry() -> None:
                if self.window is window:
                    self.switch_language(self.s.settings.get(LANGUAGE))

            QTimer.singleShot(100, retry)
            return

        i18n.install(self.app, lang, self.s.settings.data_dir / "cache")
        previous = self.window
        if self.wedge is not None:
            self.app.removeEventFilter(self.wedge)
        # Where it stands, as the window system placed it (a saved geometry would be shifted by
        # the frame where no window manager runs).
        geometry, maximized = previous.geometry(), previous.isMaximized()
        previous.retire()
        self.open_counter()
        if maximized:
            self.window.showMaximized()
        else:
            self.window.setGeometry(geometry)
        self.window.activateWindow()  # the keyboard (and a wedge scanner) goes to the new one
        if previous.last_status is not None:
            self.window.on_event_status(previous.last_status)


def freeze_startup_objects() -> None:
    """Keep Python's full garbage collections short once the counter is open.

    A full collection scans every tracked object, and start-up leaves a few hundred thousand
    (modules, Qt wrappers) that live as long as the app: each collection paused whichever thread
    triggered it for 30–40 ms, the GUI thread included (a sync worker allocating JSON holds the
    GIL meanwhile; bench/ui_latency.py). Frozen, they are no longer scanned.
    """
    gc.collect()
    gc.freeze()
