"""The application-level key filter that turns a USB scanner's typing into one scan.

A keyboard-wedge scanner types the code and Enter a few milliseconds a key, into whatever has
the focus. This filter hands every printable key (and Enter/Tab) of the application to the
scanner's Qt-free `WedgeReader`, holding them back the few tens of milliseconds it needs to tell
a burst from a person: a burst becomes `scanned(text)` (the counter shows the card from anywhere
in the app), a person's keys are given back to the focused widget, in order, as they were typed.
A 20 ms timer lets the reader end a burst on a pause and return a person's keys promptly.

Keys are timed by their own timestamps (`QKeyEvent.timestamp()`, through `KeyClock`), so a GUI
thread that was busy for a while neither splits a scanner's burst nor bunches a person's keys; a
tick that comes late (the GUI thread was stalled, keys may still be queued behind it) decides
nothing, and neither does one while keys are still being handled. Modifier keys (Shift for a QR
token's capitals) are let through without ending a burst.

Where it listens (issue 12, item 7): only in its `scope` window (the counter's main window).
Dialogs and other windows (cancellation reason, PIN, settings and its camera field) keep every
key, however fast it is typed. In the main window, keys are held back everywhere but in text
fields not marked with `accept_scans` (the scan and amount fields are): there each key lands at
once, and only a burst ended by Enter or Tab is taken back out of the field as a scan (a card
scanned while the transactions' search field has the focus still shows on the counter).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from pos.scanner.wedge import (
    BurstTracker,
    KeyClock,
    Typed,
    WedgeEvent,
    WedgeReader,
    WedgeScan,
    as_scanned,
)

_TERMINATOR_KEYS = {Qt.Key.Key_Return: "\r", Qt.Key.Key_Enter: "\r", Qt.Key.Key_Tab: "\t"}
_KEY_OF = {"\r": Qt.Key.Key_Return, "\n": Qt.Key.Key_Return, "\t": Qt.Key.Key_Tab}
_MODIFIER_KEYS = {
    Qt.Key.Key_Shift,
    Qt.Key.Key_Control,
    Qt.Key.Key_Alt,
    Qt.Key.Key_AltGr,
    Qt.Key.Key_Meta,
    Qt.Key.Key_CapsLock,
    Qt.Key.Key_NumLock,
}
_TEXT_FIELDS = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox)
_SCAN_FIELD = "wedgeAcceptsScans"
_TICK_MS = 20


def _now_ms() -> float:
    return time.monotonic() * 1000


def accept_scans(field: QWidget) -> None:
    """A text field where a scanner's burst is a scan, not text (the scan and amount fields)."""
    field.setProperty(_SCAN_FIELD, True)


class WedgeFilter(QObject):
    """Install with `app.installEventFilter(filter)`; connect `scanned`."""

    scanned = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        reader: WedgeReader | None = None,
        scope: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.reader = reader or WedgeReader()
        self.clock = KeyClock()
        self._tracker = BurstTracker(self.reader.config)
        self.scope = scope  # None: every window
        self.enabled = True
        self._replaying = False
        self._last_tick = 0.0
        self._last_key = 0.0  # when the last key was handled (local clock)
        self._late_ticks = 0
        self._timer = QTimer(self)
        self._timer.setInterval(_TICK_MS)
        self._timer.timeout.connect(self._tick)

    def mode(self, focus: QWidget | None) -> str | None:
        """How keys typed into `focus` are read (see the module's docstring): "hold" (held back
        until burst or person is decided), "watch" (they land at once; a burst ended by Enter is
        taken back out as a scan) or None (never a scan: a dialog or another window)."""
        if focus is None:
            return None
        if self.scope is not None and focus.window() is not self.scope:
            return None
        typed_into = isinstance(focus, _TEXT_FIELDS) or (
            isinstance(focus, QComboBox) and focus.isEditable()
        )
        return "watch" if typed_into and not focus.property(_SCAN_FIELD) else "hold"

    # -- Qt side --------------------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if self._replaying or not self.enabled:
            return False
        kind = event.type()
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            return False
        if not isinstance(obj, QWidget):
            return False  # the QWindow sees it first; handle it once, at the widget
        focus = QApplication.focusWidget()
        if obj is not focus and not (focus is None and obj.isWindow()):
            return False  # the same event propagating to a parent
        mode = self.mode(focus if focus is not None else obj)
        if mode is None:
            return False
        assert isinstance(event, QKeyEvent)
        if Qt.Key(event.key()) in _MODIFIER_KEYS:
            return False  # Shift between a token's characters does not end the burst
        text = self._text_of(event)
        if mode == "watch":
            return kind == QEvent.Type.KeyPress and self._watch(focus, event, text)
        if kind == QEvent.Type.KeyRelease:
            return text is not None  # releases of keys we hold back go nowhere either
        if text is None:
            # Any other key (arrows, Esc, Backspace, shortcuts): first settle what is held back.
            if self.reader.pending:
                self._handle(self.reader.tick(self.clock.now(_now_ms()) + 10_000))
            return False
        at = self.clock.key_time(event.timestamp(), _now_ms())
        self._last_key = _now_ms()
        self._handle(self.reader.key(text, at, auto_repeat=event.isAutoRepeat()))
        if self.reader.pending and not self._timer.isActive():
            self._last_tick = _now_ms()
            self._timer.start()
        return True

    def _watch(self, field: QWidget | None, event: QKeyEvent, text: str | None) -> bool:
        """A key into a text field that keeps its keys: let it land; a burst ended by Enter or
        Tab is taken back out of the field and becomes a scan (the Enter is swallowed)."""
        if text is None:
            return False
        at = self.clock.key_time(event.timestamp(), _now_ms()) / 1000
        if text not in self.reader.config.terminators:
            self._tracker.key(text, at)
            return False
        burst = self._tracker.enter(at)
        if burst is None:
            return False
        line = field.lineEdit() if isinstance(field, QComboBox) else field
        if isinstance(line, QLineEdit):
            kept, tail = line.text()[: -len(burst)], line.text()[-len(burst) :]
            if burst in (tail, as_scanned(tail)):  # as typed, maybe on the AZERTY digit row
                line.setText(kept)
        self.scanned.emit(burst)
        return True

    @staticmethod
    def _text_of(event: QKeyEvent) -> str | None:
        """What the reader is fed: printable text without Ctrl/Alt, Enter and Tab."""
        mods = event.modifiers()
        if mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
            return None
        key = Qt.Key(event.key())
        if key in _TERMINATOR_KEYS:
            return _TERMINATOR_KEYS[key]
        text = event.text()
        return text if len(text) == 1 and text.isprintable() else None

    def _tick(self) -> None:
        now = _now_ms()
        late = now - self._last_tick > 3 * _TICK_MS
        self._last_tick = now
        # A GUI thread that is always slow must not hold a person's keys for ever: the third late
        # tick in a row decides all the same.
        self._late_ticks = self._late_ticks + 1 if late else 0
        if (late and self._late_ticks < 3) or now - self._last_key <= self.reader.config.max_gap_ms:
            # The GUI thread was stalled, or keys are still coming in (maybe piled up behind a
            # stall, their stamps long past): a pause is judged once the queue has been read.
            return
        self._handle(self.reader.tick(self.clock.now(now)))
        if not self.reader.pending:
            self._timer.stop()

    def _handle(self, events: list[WedgeEvent]) -> None:
        for ev in events:
            if isinstance(ev, WedgeScan):
                self.scanned.emit(ev.text)
            elif isinstance(ev, Typed):
                self._give_back(ev.text)

    def _give_back(self, text: str) -> None:
        """Replay a person's keys into the focused widget, as the keyboard would have."""
        target = QApplication.focusWidget() or QApplication.activeWindow()
        if target is None:
            return
        self._replaying = True
        try:
            for ch in text:
                key = _KEY_OF.get(ch)
                if key is None:
                    code = ord(ch.upper()) if ch.isascii() else 0
                    key = Qt.Key(code) if code else Qt.Key.Key_unknown
                shown = "" if ch == "\t" else ch
                for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                    QApplication.sendEvent(
                        target, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, shown)
                    )
                target = QApplication.focusWidget() or target  # Enter/Tab may move the focus
        finally:
            self._replaying = False
