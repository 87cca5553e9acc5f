"""Message boxes and small questions behind one service, so tests can answer them.

Picard's `user_dialog_service`: panels never call QMessageBox directly; they ask `Prompts`, and
a test passes `ScriptedPrompts` with the answers it wants (and reads what was asked).
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ParamSpec, TypeVar

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QWidget,
)

T = TypeVar("T")
P = ParamSpec("P")


def _keeping_focus(ask: Callable[P, T]) -> Callable[P, T]:
    """After the dialog, the keyboard is where it was (the scan field at the counter, the list
    in Transactions): a person who types on never lands nowhere."""

    @functools.wraps(ask)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        before = QApplication.focusWidget()
        try:
            return ask(*args, **kwargs)
        finally:
            if before is not None and before.isVisible():
                before.window().activateWindow()  # the box's window had it
                before.setFocus()

    return wrapper


class Prompts:
    """Modal questions shown to the user (the real thing); each gives the focus back."""

    @_keeping_focus
    def confirm(self, parent: QWidget | None, title: str, text: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
        yes = box.addButton(
            QCoreApplication.translate("Prompts", "Oui"), QMessageBox.ButtonRole.YesRole
        )
        box.addButton(QCoreApplication.translate("Prompts", "Non"), QMessageBox.ButtonRole.NoRole)
        box.exec()
        return box.clickedButton() is yes

    @_keeping_focus
    def inform(self, parent: QWidget | None, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, title, text, parent=parent)
        box.addButton(
            QCoreApplication.translate("Prompts", "OK"), QMessageBox.ButtonRole.AcceptRole
        )
        box.exec()

    @_keeping_focus
    def warn(self, parent: QWidget | None, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent)
        box.addButton(
            QCoreApplication.translate("Prompts", "OK"), QMessageBox.ButtonRole.AcceptRole
        )
        box.exec()

    @_keeping_focus
    def ask_text(
        self, parent: QWidget | None, title: str, label: str, *, secret: bool = False
    ) -> str | None:
        dialog = QInputDialog(parent)
        dialog.setWindowTitle(title)
        dialog.setLabelText(label)
        dialog.setOkButtonText(QCoreApplication.translate("Prompts", "Valider"))
        dialog.setCancelButtonText(QCoreApplication.translate("Prompts", "Annuler"))
        if secret:
            dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
        if dialog.exec():
            return dialog.textValue()
        return None

    @_keeping_focus
    def ask_save_path(
        self, parent: QWidget | None, title: str, suggested: Path, filter_text: str
    ) -> Path | None:
        """ "Enregistrer sous": the file chosen, None when cancelled."""
        name, _ = QFileDialog.getSaveFileName(parent, title, str(suggested), filter_text)
        return Path(name) if name else None


Answer = str | bool | None  # a text (or None: cancelled) for ask_text, yes/no for confirm


@dataclass
class ScriptedPrompts(Prompts):
    """Answers given in advance, in order; every question asked is recorded."""

    answers: deque[Answer] = field(default_factory=deque)
    asked: list[tuple[str, str, str]] = field(default_factory=list)

    def push(self, *answers: Answer) -> None:
        self.answers.extend(answers)

    def _next(self, kind: str, title: str, text: str, default: Answer) -> Answer:
        self.asked.append((kind, title, text))
        return self.answers.popleft() if self.answers else default

    def confirm(self, parent: QWidget | None, title: str, text: str) -> bool:
        return bool(self._next("confirm", title, text, False))

    def inform(self, parent: QWidget | None, title: str, text: str) -> None:
        self.asked.append(("inform", title, text))

    def warn(self, parent: QWidget | None, title: str, text: str) -> None:
        self.asked.append(("warn", title, text))

    def ask_text(
        self, parent: QWidget | None, title: str, label: str, *, secret: bool = False
    ) -> str | None:
        answer = self._next("ask_text", title, label, None)
        return None if answer is None else str(answer)

    def ask_save_path(
        self, parent: QWidget | None, title: str, suggested: Path, filter_text: str
    ) -> Path | None:
        """The next answer as a path: a folder keeps the suggested name; None cancels."""
        answer = self._next("save_as", title, str(suggested), None)
        if answer is None or answer is False:
            return None
        chosen = Path(str(answer))
        return chosen / suggested.name if chosen.is_dir() else chosen
