"""The settings window, built from the declared settings (language, printer, camera, sounds)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from pos.ui import settings as cfg
from pos.ui.services import Services


def _label(text: str) -> str:
    return QCoreApplication.translate("Settings", text)


class SettingsDialog(QDialog):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.s = services
        self.setWindowTitle(self.tr("Réglages"))
        self.editors: dict[str, Any] = {}
        form = QFormLayout()
        for setting in cfg.ALL:
            value = services.settings.get(setting)
            editor: Any
            if setting.choices:
                editor = QComboBox()
                for code, label in setting.choices:
                    editor.addItem(_label(label), code)
                editor.setCurrentIndex(max(0, editor.findData(value)))
            elif setting.type is bool:
                editor = QCheckBox()
                editor.setChecked(bool(value))
            else:
                editor = QLineEdit(str(value))
            if setting is cfg.CAMERA:
                editor.setPlaceholderText(self.tr("0 pour la première caméra, ou un fichier vidéo"))
            self.editors[setting.key] = editor
            form.addRow(_label(setting.label), editor)
        self.note = QLabel(self.tr("La langue s'applique au prochain démarrage."))
        self.note.setObjectName("hint")
        buttons = QDialogButtonBox()
        buttons.addButton(self.tr("Enregistrer"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.tr("Annuler"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(buttons)

    def save(self) -> None:
        for setting in cfg.ALL:
            editor = self.editors[setting.key]
            if isinstance(editor, QComboBox):
                value = editor.currentData()
            elif isinstance(editor, QCheckBox):
                value = editor.isChecked()
            else:
                value = editor.text().strip()
            self.s.settings.set(setting, value)
        self.s.sounds.enabled = self.s.settings.get(cfg.SOUNDS)
        self.accept()
