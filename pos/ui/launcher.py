"""What opens first: the first-run wizard when the terminal is not enrolled, else the counter."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from pos.ui.services import Services

if TYPE_CHECKING:  # imported when first needed: the wizard is rare, the counter comes later
    from pos.domain import Partner
    from pos.ui.shell import MainWindow
    from pos.ui.wedge import WedgeFilter
    from pos.ui.wizard import FirstRunWizard


class Launcher(QObject):
    counter_opened = Signal(object)  # the MainWindow

    def __init__(self, services: Services, app: QApplication) -> None:
        super().__init__(app)
        self.s = services
        self.app = app
        self.wizard: FirstRunWizard | None = None
        self.window: MainWindow | None = None
        self.wedge: WedgeFilter | None = None

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

    def _enrolled(self, partner: Partner) -> None:
        self.s.partner = partner
        self.open_counter()
        if self.wizard is not None:  # its work is done: it must not stay behind the counter
            self.wizard.close()

    def open_counter(self) -> MainWindow:
        from pos.ui.shell import MainWindow
        from pos.ui.wedge import WedgeFilter

        window = self.window = MainWindow(self.s)
        window.language_changed.connect(self.switch_language)
        self.wedge = WedgeFilter(self.app, scope=window)
        self.wedge.scanned.connect(window.scanned)
        self.app.installEventFilter(self.wedge)
        geometry = self.s.settings.state.value("main/geometry")
        screen = self.app.primaryScreen().availableGeometry()
        if geometry is None or not window.restoreGeometry(geometry):
            # A counter's first start fills the screen (1366×768 included). Without a window
            # manager the maximised state alone would not size it: the geometry does.
            window.setGeometry(screen)
            window.showMaximized()
        elif not screen.contains(window.frameGeometry()):
            window.setGeometry(screen)  # saved on a larger screen: fit this one
            window.showMaximized()
        else:
            window.show()
        window.counter.input.setFocus()
        self.counter_opened.emit(window)
        QTimer.singleShot(0, freeze_startup_objects)
        return window

    def switch_language(self, lang: str) -> None:
        """Apply a language at once: swap the translator and rebuild the windows (every text is
        set when its widget is made). The engine, the queue and a running sync are not touched;
        the counter comes back empty, as after a sale."""
        from pos.settings import LANGUAGE
        from pos.ui import i18n

        window = self.window
        if window is None:
            return
        if window.counter.busy or self.s.runner.pending:
            # A payment (or a probe, a sync step) is on its way: its result must land on the
            # window the cashier sees. Try again in a moment, with the latest choice saved.
            def retry() -> None:
                if self.window is window:
                    self.switch_language(self.s.settings.get(LANGUAGE))

            QTimer.singleShot(100, retry)
            return

        i18n.install(self.app, lang, self.s.settings.data_dir / "cache")
        previous = window
        if self.wedge is not None:
            self.app.removeEventFilter(self.wedge)
        # Where it stands, as the window system placed it (a saved geometry would be shifted by
        # the frame where no window manager runs).
        geometry, maximized = previous.geometry(), previous.isMaximized()
        previous.retire()
        window = self.open_counter()
        if maximized:
            window.showMaximized()
        else:
            window.setGeometry(geometry)
        window.activateWindow()  # the keyboard (and a wedge scanner) goes to the new one
        if previous.last_status is not None:
            window.on_event_status(previous.last_status)


def freeze_startup_objects() -> None:
    """Keep Python's full garbage collections short once the counter is open.

    A full collection scans every tracked object, and start-up leaves a few hundred thousand
    (modules, Qt wrappers) that live as long as the app: each collection paused whichever thread
    triggered it for 30–40 ms, the GUI thread included (a sync worker allocating JSON holds the
    GIL meanwhile; bench/ui_latency.py). Frozen, they are no longer scanned.
    """
    gc.collect()
    gc.freeze()
