"""Keyboard shortcuts of the Transactions (F2) and Gestion (F3) tabs: a button that says its keys.

A shortcut set on a button works while its tab is shown (Qt's window-wide context, but a hidden
button does not fire), and is said in the button's text and tooltip.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QPushButton


def shortcut_button(text: str, keys: str, slot: Callable[[], object]) -> QPushButton:
    """A push button with its keyboard shortcut `keys` (portable text, e.g. "Ctrl+E")."""
    button = QPushButton(text)
    sequence = QKeySequence(keys)
    button.setShortcut(sequence)
    button.setToolTip(sequence.toString(QKeySequence.SequenceFormat.NativeText))
    button.clicked.connect(slot)
    return button
