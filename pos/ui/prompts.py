"""Message boxes and small questions behind one service, so tests can answer them.

Picard's `user_dialog_service`: panels never call QMessageBox directly; they ask `Prompts`, and
a test passes `ScriptedPrompts` with the answers it wants (and reads what was asked).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget


class Prompts:
    """Modal questions shown to the user (the real thing)."""

    def confirm(self, parent: QWidget | None, title: str, text: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
        yes = box.addButton(
            QCoreApplication.translate("Prompts", "Oui"), QMessageBox.ButtonRole.YesRole
        )
        box.addButton(QCoreApplication.translate("Prompts", "Non"), QMessageBox.ButtonRole.NoRole)
        box.exec()
        return box.clickedButton() is yes

    def inform(self, parent: QWidget | None, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, title, text, parent=parent)
        box.addButton(
            QCoreApplication.translate("Prompts", "OK"), QMessageBox.ButtonRole.AcceptRole
        )
        box.exec()

    def warn(self, parent: QWidget | None, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent)
        box.addButton(
            QCoreApplication.translate("Prompts", "OK"), QMessageBox.ButtonRole.AcceptRole
        )
        box.exec()

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
