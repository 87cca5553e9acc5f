"""Issue 12, items 0 and 7, on a real X server: xdotool types as a USB keyboard-wedge scanner
(`xdotool type --delay 4`: a key every 2 ms, then Return) or as a person (a key every 60 ms)
into the running counter while its GUI thread is busy (it sleeps 200 ms every 250 ms), and into
a dialog at 10 ms a key.

The key filter times keys by the X server's timestamps (`QKeyEvent.timestamp()`), so a stalled
GUI thread neither splits a scanner's burst nor bunches a person's keys into a "scan"; dialogs and
text fields other than the scan and amount fields keep their keys.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import test_ui_counter
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit
from support.pipe_lines import PipeLines
from test_ui_xvfb import pytestmark as xvfb_marks
from test_ui_xvfb import start_xvfb, xdo
from ui_harness import card_qr
from ui_xwd import xwd_to_qimage

from pos.scan import AZERTY_DIGITS
from pos.scanner.wedge import KeyClock, Typed, WedgeReader, WedgeScan
from pos.ui.app import open_terminal

ui = test_ui_counter.ui  # the counter's fixture: real windows on a fresh enrolled terminal


def on_xvfb(test):
    for mark in xvfb_marks:
        test = mark(test)
    return test


HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CARD, CARD_PASSWORD = "23166621", "Demo-3116960"
TICKET = "898564564632"
ISBN = "9782070612758"
SHOTS_DIR = REPO / "test-output" / "ui-scan"


class Driver:
    """The counter in `xvfb_driver.py`, on its own X server; `ask` evaluates on its GUI thread."""

    def __init__(self, data: Path) -> None:
        self.xvfb, self.display = start_xvfb()
        try:
            os.setpriority(os.PRIO_PROCESS, self.xvfb.pid, -10)
        except OSError:
            pass
        env = {
            **os.environ,
            "DISPLAY": self.display,
            "QT_QPA_PLATFORM": "xcb",
            "PYTHONPATH": os.pathsep.join([str(HERE), str(REPO)]),
            "PYTHONUNBUFFERED": "1",
        }
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "xvfb_driver.py"), str(data)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=REPO,
        )
        assert self.proc.stdout is not None
        self.lines = PipeLines(self.proc.stdout)
        self.scans: list[str] = []
        self.log: list[str] = []  # every line the driver printed
        self._line(lambda line: line == "driver ready", 60)
        self.wid = xdo(self.display, "search", "--name", "Terminal Génération").split("\n")[0]
        assert self.wid, "the window did not appear"

    def _line(self, wanted, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while (line := self.lines.next_line(deadline - time.monotonic())) is not None:
            self.log.append(line)
            if line.startswith("scanned: "):
                self.scans.append(line.removeprefix("scanned: "))
            if wanted(line):
                return line
        raise AssertionError(f"no answer from the counter within {timeout} s")

    def ask(self, expression: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(expression + "\n")
        self.proc.stdin.flush()
        line = self._line(lambda text: text[:2] in ("= ", "! "), 30)
        assert line.startswith("= "), line
        return line[2:]

    def until(self, expression: str, expected: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while (got := self.ask(expression)) != expected and time.monotonic() < deadline:
            time.sleep(0.1)
        assert got == expected, f"{expression} = {got}, expected {expected}"

    def settle(self, seconds: float = 0.6) -> None:
        """Let the filter hand back or report what it still holds (and the scans be printed)."""
        time.sleep(seconds)
        self.ask("None")

    def type(self, text: str, delay_ms: int, *, enter: bool, window: str | None = None) -> None:
        """`xdotool type --delay delay_ms text` (then Return): xdotool waits half the delay
        between press and release and half before the next press, so the presses come
        `delay_ms / 2` apart (the X server's timestamps say so)."""
        wid = xdo(self.display, "search", "--name", window).split("\n")[0] if window else self.wid
        xdo(self.display, "windowfocus", "--sync", wid)
        xdo(self.display, "type", "--delay", str(delay_ms), text)
        if enter:
            xdo(self.display, "key", "Return")

    def screenshot(self, name: str) -> None:
        """The whole X screen, as a person would see it, into test-output/ui-scan/."""
        dump = SHOTS_DIR / f"{name}.xwd"
        SHOTS_DIR.mkdir(parents=True, exist_ok=True)
        with open(dump, "wb") as f:
            env = {**os.environ, "DISPLAY": self.display}
            subprocess.run(["xwd", "-root", "-silent"], env=env, stdout=f, check=True, timeout=30)
        xwd_to_qimage(dump).save(str(SHOTS_DIR / f"{name}.png"))
        dump.unlink()

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.xvfb.terminate()
        self.xvfb.wait(10)
        os.close(self.xvfb.displayfd)


@pytest.fixture(scope="module")
def driver(central, tmp_path_factory):
    base = tmp_path_factory.mktemp("wedge")
    with pytest.MonkeyPatch.context() as env:  # the conftest's per-test folders, for the module
        for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
            (base / name).mkdir()
            env.setenv(name, str(base / name))
        env.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
        env.setenv("HDF_POS_ALLOW_INSECURE_KEYRING", "1")
        terminal = open_terminal(base / "terminal")
        terminal.enroll(
            server_url=central.url, partner_code="L212", password="Demo-L212", label="X"
        )
        terminal.close()
        d = Driver(base / "terminal")
    d.ask("w.showMaximized()")
    time.sleep(1.0)  # mapped and painted before anyone types
    yield d
    d.close()


@pytest.fixture
def counter(driver):
    """The counter back to idle, the scan field focused, no scan seen yet."""
    driver.ask("busy(0, 0)")
    driver.ask("stall(0, 0)")
    driver.ask("w.counter.back()")
    driver.until("w.counter.pages.currentIndex()", "0")
    driver.ask("w.activateWindow()")
    driver.ask("w.counter.input.setFocus()")
    driver.settle(0.3)
    driver.scans.clear()
    yield driver
    driver.ask("busy(0, 0)")


@on_xvfb
def test_a_card_qr_of_300_characters_is_one_scan_while_the_gui_is_busy(counter, central):
    qr = card_qr(central.url, CARD, CARD_PASSWORD)
    assert len(qr) > 300
    counter.ask("busy(200, 250)")
    counter.ask("stall(150, 200)")  # and once in the middle of the burst, for sure
    counter.type(qr, 4, enter=True)  # a press every 2 ms
    counter.ask("busy(0, 0)")
    counter.settle()
    assert counter.scans == [qr]
    counter.until("w.counter.card.card_number if w.counter.card else None", repr(CARD))
    assert counter.ask("w.counter.input.text()") == "''"  # nothing leaked into the field
    assert counter.ask("w.counter.pages.currentIndex()") == "1"  # the card page
    counter.screenshot("xvfb-card-qr-while-busy")


@on_xvfb
@pytest.mark.parametrize(
    ("code", "page"),
    [(CARD, "1"), (TICKET, "2"), (ISBN, "0")],
    ids=["8-digit card", "12-digit ticket", "13-digit EAN"],
)
def test_numeric_codes_are_one_scan_while_the_gui_is_busy(counter, code, page):
    counter.ask("busy(200, 250)")
    counter.ask("stall(5, 200)")  # and once in the middle of the burst, for sure
    counter.type(code, 4, enter=True)
    counter.ask("busy(0, 0)")
    counter.settle()
    assert counter.scans == [code]
    counter.until("w.counter.pages.currentIndex()", page)
    assert counter.ask("w.counter.input.text()") == "''"


@on_xvfb
def test_a_person_typing_an_amount_at_60_ms_is_typing_while_the_gui_is_busy(counter):
    counter.ask(f"w.counter.handle_scan('{CARD}')")
    counter.until("w.counter.pages.currentIndex()", "1")
    counter.until("w.counter.pay_panel.amount.hasFocus()", "True")
    counter.ask("busy(200, 250)")
    counter.ask("freeze(800)")  # and the keys pile up, for sure
    counter.type("100,50", 120, enter=False)  # a press every 60 ms
    counter.ask("busy(0, 0)")
    counter.settle()
    assert counter.scans == []
    assert counter.ask("w.counter.pay_panel.amount.text()") == "'100,50'"
    assert counter.ask("w.counter.pages.currentIndex()") == "1"  # the card is still open


@on_xvfb
def test_a_person_typing_a_card_number_at_60_ms_is_typing_while_the_gui_is_busy(counter):
    counter.ask("busy(200, 250)")
    counter.ask("freeze(1000)")  # and the keys pile up, for sure
    counter.type(CARD, 120, enter=True)  # a press every 60 ms
    counter.ask("busy(0, 0)")
    counter.settle()
    assert counter.scans == []  # not a scan: the field's own Enter looked it up
    counter.until("w.counter.card.card_number if w.counter.card else None", repr(CARD))


@on_xvfb
def test_fast_typing_in_a_dialog_stays_in_the_dialog(counter):
    counter.ask("dialog()")
    counter.until("app.focusWidget().window().windowTitle()", "'Motif'")
    reason = "Erreur de saisie du montant"
    counter.type(reason, 20, enter=False, window="Motif")  # a press every 10 ms
    counter.settle()
    assert counter.ask("app.focusWidget().text()") == repr(reason)
    assert counter.scans == []
    counter.ask("app.focusWidget().window().close()")


# -- the key clock, Qt-free -----------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(
    origin=st.floats(min_value=1, max_value=2**32),
    gaps=st.lists(st.floats(min_value=0.5, max_value=400), min_size=1, max_size=60),
    lags=st.lists(st.floats(min_value=0, max_value=900), min_size=60, max_size=60),
)
def test_keys_are_timed_by_their_stamps_whatever_the_handling_delay(origin, gaps, lags):
    """However late each key is handled, the reader sees the gaps the keys were typed with."""
    clock = KeyClock()
    stamp, handled, seen = origin, 0.0, []
    for gap, lag in zip(gaps, lags, strict=False):
        stamp += gap
        handled = max(handled, 5_000 + stamp - origin + lag)  # handled in order, late
        seen.append(clock.key_time(stamp, handled))
    assert seen == sorted(seen)
    assert all(abs((b - a) - g) < 1e-6 for a, b, g in zip(seen, seen[1:], gaps[1:], strict=False))
    assert clock.now(handled) <= seen[-1] + max(lags) + 1e-6  # never ahead of the keys' clock


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet="0123456789ABCDEFabcdef:.-_,", min_size=6, max_size=400),
    lag=st.floats(min_value=0, max_value=500),
)
def test_a_burst_handled_in_a_heap_after_a_stall_is_still_one_scan(text, lag):
    reader, clock = WedgeReader(), KeyClock()
    events = []
    for i, ch in enumerate(text):
        events += reader.key(ch, clock.key_time(1000 + 2 * i, 1000 + lag + 0.01 * i))
    events += reader.key("\r", clock.key_time(1000 + 2 * len(text), 1001 + lag + len(text)))
    # Only digits and digit-row keys: a number typed on AZERTY by a QWERTY-set scanner.
    azerty = set(text) <= set("0123456789-_")
    expected = text.translate(AZERTY_DIGITS) if azerty else text
    assert [e.text for e in events if isinstance(e, WedgeScan)] == [expected]
    assert not [e for e in events if isinstance(e, Typed)]


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet="0123456789,", min_size=1, max_size=12))
def test_a_person_at_60_ms_a_key_handled_in_a_heap_is_typing(text):
    reader, clock = WedgeReader(), KeyClock()
    events = []
    for i, ch in enumerate(text):  # all handled at once, 800 ms after the first press
        events += reader.key(ch, clock.key_time(1000 + 60 * i, 1800 + 0.01 * i))
    events += reader.tick(clock.now(1800 + 1000))
    assert not [e for e in events if isinstance(e, WedgeScan)]
    assert "".join(e.text for e in events if isinstance(e, Typed)) == text


def test_a_key_without_stamp_is_timed_on_arrival():
    clock = KeyClock()
    assert clock.key_time(0, 500.0) == 500.0
    clock.key_time(10_000, 10_003.0)  # a stamped key teaches the offset (3 ms)
    assert clock.key_time(0, 10_050.0) == 10_047.0


# -- item 7 with real widgets (pytest-qt; the X server case is above) ------------------------------
def press(widget, text: str, every_ms: int, start: int = 1_000_000) -> None:
    """Keys with real timestamps `every_ms` apart, sent to the focused widget as X would."""
    for i, ch in enumerate(text):
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            target = QApplication.focusWidget() or widget
            key = Qt.Key(ord(ch.upper())) if ch.isascii() and ch.isalnum() else Qt.Key.Key_unknown
            key = Qt.Key.Key_Return if ch == "\r" else key
            event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, ch)
            event.setTimestamp(start + i * every_ms)
            QApplication.sendEvent(target, event)


def focus(qtbot, window, widget, *also) -> None:
    """Activate `window` and give `widget` the keyboard, as a click would."""
    window.activateWindow()
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() in (widget, *also))


def test_fast_typing_stays_in_the_settings_camera_field_and_the_search_field(ui, qtbot):
    scans = []
    ui.launcher.wedge.scanned.connect(scans.append)
    ui.window.open_settings()
    qtbot.waitUntil(lambda: ui.window.settings_dialog is not None)
    dialog = ui.window.settings_dialog
    qtbot.waitExposed(dialog)
    combo = dialog.editors["camera/source"]
    camera = combo.lineEdit()
    camera.clear()
    focus(qtbot, dialog, combo, camera)
    press(camera, "/srv/videos/comptoir.mp4", 10)
    qtbot.wait(300)
    assert camera.text() == "/srv/videos/comptoir.mp4"
    dialog.reject()
    ui.window.tabs.setCurrentWidget(ui.window.transactions)
    search = ui.window.transactions.search
    focus(qtbot, ui.window, search)
    press(search, "23166621", 10)
    qtbot.wait(300)
    assert search.text() == "23166621"
    assert scans == []


def test_fast_typing_stays_in_a_reason_dialog_but_is_a_scan_in_the_scan_field(ui, qtbot):
    scans = []
    ui.launcher.wedge.scanned.connect(scans.append)
    box = QInputDialog(ui.window)
    box.setLabelText("Motif de l'annulation")
    box.show()
    qtbot.waitExposed(box)
    line = box.findChild(QLineEdit)
    focus(qtbot, box, line)
    press(line, "Erreur de saisie", 10)
    qtbot.wait(300)
    assert line.text() == "Erreur de saisie"
    assert scans == []
    box.close()
    focus(qtbot, ui.window, ui.counter.input)
    press(ui.counter.input, "23166621\r", 10)
    qtbot.waitUntil(lambda: scans == ["23166621"], timeout=2000)


def test_a_burst_into_the_search_field_is_taken_back_out_as_a_scan(ui, qtbot):
    """The transactions' search keeps a person's keys at once; a scanner's burst and its Enter
    (here from a scanner set for QWERTY on an AZERTY keyboard) still reach the counter."""
    scans = []
    ui.launcher.wedge.scanned.connect(scans.append)
    ui.window.tabs.setCurrentWidget(ui.window.transactions)
    search = ui.window.transactions.search
    focus(qtbot, ui.window, search)
    press(search, "2026", 120)  # a person, 120 ms a key: each key lands at once
    assert search.text() == "2026"
    press(search, 'é"&---é&\r', 3, start=2_000_000)
    qtbot.waitUntil(lambda: scans == ["23166621"], timeout=2000)
    assert search.text() == "2026"
    qtbot.waitUntil(lambda: ui.counter.card is not None, timeout=test_ui_counter.WAIT_MS)
