"""A signal for scripts that the counter is on screen and usable: the bundle's test, the
cold-start benchmark (bench/cold_start.py).

With HDF_POS_READY=1, once the counter window is shown and has been laid out and painted, the
app prints `hdf-pos: counter ready` on stdout; HDF_POS_READY_SCREENSHOT=PATH saves a picture of
that window first, and HDF_POS_READY_QUIT=1 then closes the app normally (exit code 0).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

if TYPE_CHECKING:
    from pos.ui.launcher import Launcher

READY_LINE = "hdf-pos: counter ready"


def watch(launcher: Launcher, app: QApplication) -> None:
    if os.environ.get("HDF_POS_READY") != "1":
        return

    def announce(window: QWidget) -> None:
        picture = window.grab()  # lays out and paints the whole window now
        shot = os.environ.get("HDF_POS_READY_SCREENSHOT")
        if shot:
            picture.save(shot)
        print(READY_LINE, flush=True)
        if os.environ.get("HDF_POS_READY_QUIT") == "1":
            app.quit()

    # After the event loop has handled the window's show and expose events.
    launcher.counter_opened.connect(lambda window: QTimer.singleShot(0, lambda: announce(window)))
