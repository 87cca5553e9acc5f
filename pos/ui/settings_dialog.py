"""The settings window, built from the declared settings (language, printer, camera, sounds).

Each setting of `pos.settings.WINDOW_SETTINGS` gets its editor from its declaration: a list for
one with choices, a box to tick for a yes/no one, a line of text otherwise; the camera gets the
list of cameras found on this machine.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from pos import settings as cfg
from pos.ui.services import Services

Editor = QComboBox | QCheckBox | QLineEdit


def _label(text: str) -> str:
    return QCoreApplication.translate("Settings", text)


class SettingsDialog(QDialog):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.s = services
        self.setWindowTitle(self.tr("Réglages"))
        self.editors: dict[str, Editor] = {}
        form = QFormLayout()
        for setting in cfg.WINDOW_SETTINGS:
            value = services.settings.get(setting)
            editor: Editor
            if setting is cfg.CAMERA:
                editor = self._camera_choice(str(value))
            elif setting.choices:
                editor = QComboBox()
                for code, label in setting.choices:
                    editor.addItem(_label(label), code)
                editor.setCurrentIndex(max(0, editor.findData(value)))
            elif setting.type is bool:
                editor = QCheckBox()
                editor.setChecked(bool(value))
            else:
                editor = QLineEdit(str(value))
            self.editors[setting.key] = editor
            form.addRow(_label(setting.label), editor)
        buttons = QDialogButtonBox()
        self.accept_button = buttons.addButton(
            self.tr("Enregistrer"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton(self.tr("Annuler"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _camera_choice(self, current: str) -> QComboBox:
        """Cameras found on this machine, "none", or a typed device number / video file."""
        box = QComboBox()
        box.setEditable(True)
        box.addItem(self.tr("Aucune caméra"), "")
        for device in sorted(Path("/dev").glob("video*")):
            index = device.name.removeprefix("video")
            if index.isdigit():
                box.addItem(self.tr("Caméra {number}").format(number=index), index)
        if current and box.findData(current) < 0:
            box.addItem(current, current)
        box.setCurrentIndex(max(0, box.findData(current)))
        line = box.lineEdit()  # an editable box always has one
        if line is not None:
            line.setPlaceholderText(self.tr("0 pour la première caméra, ou un fichier vidéo"))
        return box

    def save(self) -> None:
        for setting in cfg.WINDOW_SETTINGS:
            editor = self.editors[setting.key]
            value: object
            if isinstance(editor, QComboBox):
                typed = editor.currentText().strip()
                value = editor.currentData()
                if editor.isEditable() and typed != editor.itemText(editor.currentIndex()):
                    value = typed
            elif isinstance(editor, QCheckBox):
                value = editor.isChecked()
            else:
                value = editor.text().strip()
            self.s.settings.set(setting, value)
        self.s.sounds.enabled = self.s.settings.get(cfg.SOUNDS)
        self.accept()
