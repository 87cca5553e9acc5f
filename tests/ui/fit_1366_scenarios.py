"""Run by tests/ui/test_ui_fit_1366.py in its own process on an Xvfb screen (xcb): open the real
counter against the test's central service, play the counter's scenarios, and after each one
print (JSON, one line) the window's geometry and every visible text that does not fit."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget
from ui_harness import open_counter

from hdf_common import clock
from pos.results import TerminalStatus
from pos.ui import resources


def wait(app: QApplication, ready, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError(getattr(ready, "__name__", "condition"))
        app.processEvents()
        time.sleep(0.02)


def settle(app: QApplication, seconds: float = 0.4) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def cut_texts(window: QWidget) -> list[str]:
    """Visible labels and buttons whose text needs more room than they were given."""
    cut = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or QWidget.window(widget) is not window:
            continue
        if isinstance(widget, QLabel) and widget.text():
            if widget.wordWrap():
                need = widget.heightForWidth(widget.width())
                short = need > widget.height()
            else:
                short = widget.width() < widget.sizeHint().width()
        elif isinstance(widget, QAbstractButton) and widget.text():
            short = widget.width() < widget.sizeHint().width()
        else:
            continue
        if short:
            text = widget.text().replace("\n", " ")[:70]
            size = f"{widget.width()}x{widget.height()}"
            hint = widget.sizeHint()
            cut.append(f"{type(widget).__name__} {text!r} {size} < {hint.width()}x{hint.height()}")
    return cut


def main(data_dir: str, server_url: str, shots: str) -> None:
    app = QApplication(sys.argv[:1])
    app.setStyleSheet(resources.style_sheet())
    ui = open_counter(app, Path(data_dir), server_url)
    w, counter = ui.window, ui.counter
    wait(app, w.isVisible)
    settle(app, 1.0)
    screen = app.primaryScreen().availableGeometry()
    Path(shots).mkdir(parents=True, exist_ok=True)

    def report(name: str) -> None:
        settle(app)
        frame, size = w.frameGeometry(), w.size()
        w.grab().save(str(Path(shots) / f"fit-{name}.png"))
        line = {
            "scenario": name,
            "screen": [screen.x(), screen.y(), screen.width(), screen.height()],
            "frame": [frame.x(), frame.y(), frame.width(), frame.height()],
            "size": [size.width(), size.height()],
            "maximized": w.isMaximized(),
            "cut": cut_texts(w),
        }
        print(json.dumps(line), flush=True)

    def scan(text: str, page: int) -> None:
        counter.input.setFocus()
        QTest.keyClicks(counter.input, text, delay=60)
        QTest.keyClick(counter.input, Qt.Key.Key_Return)
        wait(app, lambda: counter.pages.currentIndex() == page)

    def pay(amount: str) -> None:
        field = counter.pay_panel.amount
        field.selectAll()
        QTest.keyClicks(field, amount, delay=60)
        QTest.keyClick(field, Qt.Key.Key_Return)

    def back() -> None:
        counter.back()
        wait(app, lambda: counter.pages.currentIndex() == counter.IDLE)

    report("start")
    scan("23166621", counter.CARD)
    wait(app, lambda: not counter.card_panel.photo.pixmap().isNull())
    report("card")
    pay("12,50")
    wait(app, lambda: counter.pages.currentIndex() == counter.RESULT)
    report("payment-done")
    back()
    scan("23166621", counter.CARD)
    pay("500,00")
    wait(app, counter.pay_panel.split.isVisible)
    report("refusal-split-offered")
    QTest.keyClick(counter.pay_panel.amount, Qt.Key.Key_Return)
    wait(app, lambda: counter.pages.currentIndex() == counter.RESULT)
    report("split-paid")
    back()
    scan("23166623", counter.CARD)
    report("refusal-blocked-card")
    back()
    scan("898564564632", counter.VOUCHER)
    report("voucher")
    back()
    scan("23199999", counter.CARD)
    wait(app, lambda: not counter.card_panel.photo.pixmap().isNull())
    report("long-holder-card")
    pay("1 000,00")
    wait(app, counter.pay_panel.split.isVisible)
    report("long-holder-split-offered")
    QTest.keyClick(counter.pay_panel.amount, Qt.Key.Key_Return)
    wait(app, lambda: counter.pages.currentIndex() == counter.RESULT)
    report("long-holder-paid")
    back()
    w._heartbeat.stop()  # the state line shows what it is given, not the next probe
    w.on_event_status(
        TerminalStatus(
            enrolled=True,
            online=False,
            queue=1234,
            oldest_queued_at=clock.now(),  # the suite's clock, never the wall's
            last_sync_at=clock.now(),
            clock_drift_seconds=95.0,
            follow_ups=12,
            offline_window_remaining_s=71 * 3600,
            drift_warning=True,
        )
    )
    report("offline-bar")
    for tab in (w.transactions, w.manager):
        w.tabs.setCurrentWidget(tab)
        settle(app, 2.0)  # their figures load off the GUI thread
        report(f"tab-{type(tab).__name__}")
    ui.close(app)


if __name__ == "__main__":
    main(*sys.argv[1:4])
