"""The application-level key filter that turns a USB scanner's typing into one scan.

A keyboard-wedge scanner types the code and Enter a few milliseconds a key, into whatever has
the focus. This filter hands every printable key (and Enter/Tab) of the application to the
scanner's Qt-free `WedgeReader`, holding them back the few tens of milliseconds it needs to tell
a burst from a person: a burst becomes `scanned(text)` (the counter shows the card from anywhere
in the app), a person's keys are given back to the focused widget, in order, as they were typed.
A 20 ms timer lets the reader end a burst on a pause and return a person's keys promptly.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from pos.scanner.wedge import Typed, WedgeEvent, WedgeReader, WedgeScan

_TERMINATOR_KEYS = {Qt.Key.Key_Return: "\r", Qt.Key.Key_Enter: "\r", Qt.Key.Key_Tab: "\t"}
_KEY_OF = {"\r": Qt.Key.Key_Return, "\n": Qt.Key.Key_Return, "\t": Qt.Key.Key_Tab}


def _now_ms() -> float:
    return time.monotonic() * 1000


class WedgeFilter(QObject):
    """Install with `app.installEventFilter(filter)`; connect `scanned`."""

    scanned = Signal(str)

    def __init__(self, parent: QObject | None = None, *, reader: WedgeReader | None = None) -> None:
        super().__init__(parent)
        self.reader = reader or WedgeReader()
        self.enabled = True
        self._replaying = False
        self._timer = QTimer(self)
        self._timer.setInterval(20)
        self._timer.timeout.connect(self._tick)

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
        assert isinstance(event, QKeyEvent)
        text = self._text_of(event)
        if kind == QEvent.Type.KeyRelease:
            return text is not None  # releases of keys we hold back go nowhere either
        if text is None:
            # Any other key (arrows, Esc, Backspace, shortcuts): first settle what is held back.
            if self.reader.pending:
                self._handle(self.reader.tick(_now_ms() + 10_000))
            return False
        self._handle(self.reader.key(text, _now_ms(), auto_repeat=event.isAutoRepeat()))
        if self.reader.pending and not self._timer.isActive():
            self._timer.start()
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
        self._handle(self.reader.tick(_now_ms()))
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
