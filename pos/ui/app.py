"""`hdf-pos` with no sub-command: open the windows (first-run wizard, then the counter).

`run(args)` builds the services once and passes them down; with `--demo` it first starts the
embedded demo central service and enrols against it (see `pos.ui.demo`).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import QTranslator
    from PySide6.QtWidgets import QApplication

    from pos.terminal import Terminal
    from pos.ui.prompts import Prompts
    from pos.ui.services import Services

log = logging.getLogger(__name__)


def open_terminal(data_dir: Path | None) -> Terminal:
    """The facade on `data_dir` (None: the engine's default folder, as the command line uses)."""
    from pos.terminal import Terminal

    return Terminal.open(data_dir)


def make_services(
    terminal: Terminal, data_dir: Path, *, prompts: Prompts | None = None
) -> Services:
    """The window-side services around one facade (tests call this too)."""
    from pos.settings import SOUNDS
    from pos.ui.events import EventBridge
    from pos.ui.prompts import Prompts
    from pos.ui.services import Services
    from pos.ui.settings import ManagerPin, Settings
    from pos.ui.sounds import Sounds
    from pos.ui.tasks import TaskRunner

    settings = Settings(data_dir)
    bridge = EventBridge()
    bridge.attach(terminal)
    return Services(
        terminal=terminal,
        runner=TaskRunner(),
        bridge=bridge,
        prompts=prompts or Prompts(),
        settings=settings,
        sounds=Sounds(enabled=settings.get(SOUNDS)),
        pin=ManagerPin(str(Path(data_dir).resolve())),
    )


def make_application(argv: list[str] | None = None) -> QApplication:
    from PySide6.QtWidgets import QApplication

    from pos.ui import resources

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or [sys.argv[0]])
    app.setApplicationName("hdf-pos")
    app.setDesktopFileName("hdf-pos")  # the menu entry (packaging/hdf-pos.desktop) it belongs to
    app.setWindowIcon(resources.icon("hdf-pos"))  # every window's, the wizard's included
    app.setStyleSheet(resources.style_sheet())
    return app


def install_language(app: QApplication, lang: str, data_dir: Path) -> QTranslator | None:
    from pos.ui import i18n

    return i18n.install(app, lang, data_dir / "cache")


def _quit_on_signals(app: QApplication) -> None:
    """SIGTERM / Ctrl+C close the windows normally, so the demo service and its folder go too."""
    import signal

    from PySide6.QtCore import QTimer

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: app.quit())
    # Python runs signal handlers only between bytecodes: wake the interpreter now and then.
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(300)


def run(args: argparse.Namespace) -> int:
    """Open the windows; returns the exit code."""
    started = time.monotonic()
    if getattr(args, "demo", False):
        from pos.about import demo_available
        from pos.messages import refusal_message

        if not demo_available():  # the bundle: no Python to run the service with
            print(refusal_message("demo_unavailable"), file=sys.stderr, flush=True)
            return 1
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = make_application()
    demo = None
    data_dir: Path | None = Path(args.data_dir) if args.data_dir else None
    if args.demo:
        from pos.ui import demo as demo_mod

        demo = demo_mod.DemoCentral.start()
        data_dir = demo.terminal_dir
    terminal = open_terminal(data_dir)
    data_dir = Path(terminal.data_dir)

    from pos.settings import LANGUAGE
    from pos.ui.settings import Settings

    lang = args.lang or Settings(data_dir).get(LANGUAGE)
    install_language(app, lang, data_dir)
    services = make_services(terminal, data_dir)
    if demo is not None:
        demo.enrol(terminal, services.pin)

    from pos.ui import ready
    from pos.ui.launcher import Launcher

    launcher = Launcher(services, app)
    ready.watch(launcher, app)  # HDF_POS_READY=1: say when the counter is usable (benchmarks)
    launcher.start()
    _quit_on_signals(app)
    log.info("windows ready in %.2f s", time.monotonic() - started)
    try:
        return int(app.exec())
    finally:
        services.runner.shutdown()
        services.settings.flush()
        try:
            terminal.close()
        finally:
            if demo is not None:
                demo.stop()
