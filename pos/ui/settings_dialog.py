"""The settings window, built from the declared settings (language, printer, camera, sounds).

Each setting of `pos.settings.WINDOW_SETTINGS` gets its editor from its declaration: a list for
one with choices, a box to tick for a yes/no one, a line of text otherwise; the camera gets the
list of cameras found on this machine (looked for on the background lane: opening a device can
take seconds) and stays editable for a video file or a stream's URL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

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

from pos import settings as cfg
from pos.ui.services import Services

if TYPE_CHECKING:
    from pos.scanner.sources import CameraInfo

FindCameras = Callable[[], Sequence["CameraInfo"]]


def find_cameras() -> Sequence[CameraInfo]:
    """The cameras that really open on this machine (OpenCV is imported here, off the GUI)."""
    from pos.scanner.sources import enumerate_cameras

    return enumerate_cameras()


Editor = QComboBox | QCheckBox | QLineEdit


def _label(text: str) -> str:
    return QCoreApplication.translate("Settings", text)


class SettingsDialog(QDialog):
    def __init__(
        self,
        services: Services,
        parent: QWidget | None = None,
        *,
        cameras: FindCameras = find_cameras,
    ) -> None:
        super().__init__(parent)
        self.s = services
        self.camera_note = QLabel(self.tr("Recherche des caméras…"))
        self.camera_note.setObjectName("hint")
        self.camera_note.setWordWrap(True)
        # Two lines from the start: the answer of the search does not make the dialog jump.
        self.camera_note.setMinimumHeight(2 * self.camera_note.fontMetrics().lineSpacing() + 4)
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
            if setting is cfg.CAMERA:
                form.addRow("", self.camera_note)
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
        services.runner.run_task(
            cameras,
            on_done=self._cameras_found,
            on_error=lambda _e: self._cameras_found([]),
            lane="background",
        )

    def _camera_choice(self, current: str) -> QComboBox:
        """ "No camera", the current choice, and (once found) the cameras of this machine; a
        video file or a stream's URL may be typed instead."""
        box = QComboBox()
        box.setEditable(True)
        box.addItem(self.tr("Aucune caméra"), "")
        if current:
            box.addItem(current, current)
        box.setCurrentIndex(max(0, box.findData(current)))
        line = box.lineEdit()  # an editable box always has one
        if line is not None:
            line.setPlaceholderText(self.tr("0 pour la première caméra, ou un fichier vidéo"))
        return box

    def _cameras_found(self, found: Sequence[CameraInfo]) -> None:
        box = self.editors[cfg.CAMERA.key]
        assert isinstance(box, QComboBox)
        typed = box.currentText()
        chosen = box.currentData() if typed == box.itemText(box.currentIndex()) else None
        for camera in found:
            label = self.tr("Caméra {number} ({width}×{height})").format(
                number=camera.index, width=camera.width, height=camera.height
            )
            index = box.findData(str(camera.index))
            if index < 0:
                box.addItem(label, str(camera.index))
            else:
                box.setItemText(index, label)
        if chosen is not None:  # keep what is chosen (or typed) while the search ran
            box.setCurrentIndex(max(0, box.findData(chosen)))
        else:
            box.setEditText(typed)
        self.camera_note.setText(
            self.tr(
                "{count} caméra(s) trouvée(s) ; ou indiquez un fichier vidéo ou une URL."
            ).format(count=len(found))
            if found
            else self.tr(
                "Aucune caméra trouvée sur ce poste : indiquez un fichier vidéo ou une URL."
            )
        )

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
