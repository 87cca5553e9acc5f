"""The real counter on a real X server, driven by a test through stdin (tests on Xvfb only).

    python tests/ui/xvfb_driver.py DATA_DIR

opens the windows on an enrolled terminal exactly as `hdf-pos` does (application key filter
included) and then reads one Python expression per line on stdin, evaluates it on the GUI thread
with `w` (the main window), `app`, `busy` and `dialog` in scope, and answers `= repr(result)` (or
`! error`) on stdout. `busy(block_ms, every_ms)` makes the GUI thread sleep `block_ms` every
`every_ms` (0 stops it): a GUI thread that is busy while a scanner types; `stall(n, ms)` makes it
sleep `ms` when the n-th key from now is pressed, before the key filter sees that key (a pause in
the middle of a burst at a known place); `freeze(ms)` makes it sleep `ms` right away (keys typed
meanwhile pile up and are handled together). `dialog()` opens a
non-modal text input dialog (as the cancellation reason's) and returns its line edit. Every wedge
scan is printed as `scanned: TEXT`.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSocketNotifier, QTimer
from PySide6.QtWidgets import QInputDialog, QLineEdit

from pos.ui.app import make_application, make_services, open_terminal
from pos.ui.launcher import Launcher
from pos.ui.prompts import ScriptedPrompts


def main() -> None:
    data = Path(sys.argv[1])
    app = make_application()
    terminal = open_terminal(data)
    services = make_services(terminal, data, prompts=ScriptedPrompts())
    services.sounds.enabled = False
    launcher = Launcher(services, app)
    launcher.start()
    w = launcher.window
    assert w is not None and launcher.wedge is not None
    launcher.wedge.scanned.connect(lambda text: print(f"scanned: {text}", flush=True))
    blocker = QTimer(app)
    block = {"ms": 0}
    blocker.timeout.connect(lambda: time.sleep(block["ms"] / 1000))
    dialogs: list[QInputDialog] = []

    class Staller(QObject):
        """Installed after the key filter, so it sees each key first."""

        at = 0
        ms = 0

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.KeyPress and obj is app.focusWidget() and self.at:
                self.at -= 1
                if not self.at:
                    time.sleep(self.ms / 1000)
            return False

    staller = Staller(app)
    app.installEventFilter(staller)

    def stall(n: int, ms: int) -> None:
        staller.at, staller.ms = n, ms

    def busy(block_ms: int, every_ms: int) -> None:
        block["ms"] = block_ms
        if block_ms:
            blocker.start(every_ms)
        else:
            blocker.stop()

    def dialog() -> QLineEdit:
        box = QInputDialog(w)
        box.setWindowTitle("Motif")
        box.setLabelText("Motif de l'annulation")
        box.show()
        box.activateWindow()
        dialogs.append(box)
        line = box.findChild(QLineEdit)
        assert line is not None
        line.setFocus()
        return line

    def freeze(ms: int) -> None:
        QTimer.singleShot(0, lambda: time.sleep(ms / 1000))

    scope = {
        "freeze": freeze,
        "w": w,
        "app": app,
        "busy": busy,
        "stall": stall,
        "dialog": dialog,
        "launcher": launcher,
    }

    pending = [b""]

    def command() -> None:
        # Straight from the descriptor, every whole line it holds: `sys.stdin.readline()` would
        # keep a second line in Python's buffer, where the notifier never sees it.
        chunk = os.read(sys.stdin.fileno(), 65536)
        if not chunk:
            app.quit()
            return
        pending[0] += chunk
        *lines, pending[0] = pending[0].split(b"\n")
        for raw in lines:
            try:
                # test input only: this script is never shipped
                result = eval(raw.decode("utf-8"), scope)
                print(f"= {result!r}", flush=True)
            except Exception as exc:  # report it to the test, keep running
                print(f"! {type(exc).__name__}: {exc}", flush=True)

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read, app)
    notifier.activated.connect(command)
    print("driver ready", flush=True)
    try:
        app.exec()
    finally:
        blocker.stop()
        services.runner.shutdown()
        terminal.close()
        os._exit(0)


if __name__ == "__main__":
    main()
