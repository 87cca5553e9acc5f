"""The application-level key filter that turns a USB scanner's typing into one scan.

A keyboard-wedge scanner types the code and Enter a few milliseconds a key, into whatever has
the focus. This filter watches every key press of the application (it never delays typing), hands
characters and Enter to the scanner's Qt-free wedge logic, and when that logic says "this was a
scan" it swallows the Enter, takes the burst back out of the field it landed in, and emits
`scanned(text)` so the counter shows the card from anywhere in the app.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from pos.ui import wedge_logic

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class WedgeFilter(QObject):
    """Install with `app.installEventFilter(filter)`; connect `scanned`."""

    scanned = Signal(str)

    def __init__(self, parent: QObject | None = None, *, logic: Any = None) -> None:
        super().__init__(parent)
        self.logic = logic or wedge_logic.make()
        # The field the burst is landing in, and its text before the burst began.
        self._field: QLineEdit | None = None
        self._before = ""
        self.enabled = True

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if not self.enabled or event.type() != QEvent.Type.KeyPress:
            return False
        if not isinstance(obj, QWidget):
            return False  # the QWindow sees it first; handle it once, at the widget
        focus = QApplication.focusWidget()
        if obj is not focus and not (focus is None and obj.isWindow()):
            return False  # the same event propagating to a parent
        assert isinstance(event, QKeyEvent)
        now = time.monotonic()
        if event.key() in _ENTER:
            text = self.logic.enter(now)
            if text is None:
                return False
            self._take_back()
            self.scanned.emit(text)
            return True  # the Enter belonged to the scan
        char = event.text()
        if len(char) == 1 and char.isprintable():
            if self.logic.idle_since_last(now) and isinstance(focus, QLineEdit):
                # First key of a possible burst: remember the field as it was.
                self._field, self._before = focus, focus.text()
            elif not isinstance(focus, QLineEdit):
                self._field = None
            self.logic.key(char, now)
        return False

    def _take_back(self) -> None:
        """Remove the scanned characters from the field they were typed into."""
        field, self._field = self._field, None
        if field is not None and QApplication.focusWidget() is field:
            field.setText(self._before)
