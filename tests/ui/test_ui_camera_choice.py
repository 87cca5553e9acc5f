"""Issue 12, the camera setting: Réglages offers the cameras found on this machine (looked for off
the GUI thread), and a video file or a URL can still be chosen instead."""

from __future__ import annotations

import threading
import time

import test_ui_counter
from conftest import SHOTS
from PySide6.QtWidgets import QApplication
from test_ui_camera import qr_video
from test_ui_counter import WAIT_MS

from pos.scanner.sources import CameraInfo
from pos.settings import CAMERA
from pos.ui.settings_dialog import SettingsDialog, find_cameras

ui = test_ui_counter.ui  # the counter's fixture: real windows on a fresh enrolled terminal
SHOTS_DIR = SHOTS.parent / "ui-scan"


def open_settings(qtbot, ui) -> SettingsDialog:
    ui.window.open_settings()
    qtbot.waitUntil(lambda: ui.window.settings_dialog is not None)
    dialog = ui.window.settings_dialog
    qtbot.waitExposed(dialog)
    return dialog


def test_the_cameras_this_machine_has_are_offered(ui, qtbot):
    expected = find_cameras()  # the real enumeration (none on the test machine)
    dialog = open_settings(qtbot, ui)
    box = dialog.editors[CAMERA.key]
    qtbot.waitUntil(lambda: "trouvée" in dialog.camera_note.text(), timeout=WAIT_MS)
    offered = [box.itemData(i) for i in range(box.count())]
    assert offered == ["", *[str(c.index) for c in expected]]
    if not expected:
        assert dialog.camera_note.text().startswith("Aucune caméra trouvée sur ce poste")
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SHOTS_DIR / "settings-no-camera.png"))
    dialog.reject()


def test_cameras_are_looked_for_off_the_gui_thread_and_listed(ui, qtbot):
    started = threading.Event()
    threads = []

    def slow_cameras():
        threads.append(threading.current_thread())
        started.set()
        time.sleep(1.0)  # opening a camera can take this long
        return [CameraInfo(0, 1280, 720, 30.0), CameraInfo(2, 640, 480, 15.0)]

    t0 = time.perf_counter()
    dialog = SettingsDialog(ui.services, ui.window, cameras=slow_cameras)
    built_ms = (time.perf_counter() - t0) * 1000
    qtbot.addWidget(dialog)
    dialog.show()
    assert built_ms < 500  # the dialog did not wait for the search
    assert dialog.camera_note.text() == "Recherche des caméras…"
    qtbot.waitUntil(started.is_set)
    assert threads[0] is not threading.main_thread()
    box = dialog.editors[CAMERA.key]
    qtbot.waitUntil(lambda: box.count() == 3, timeout=WAIT_MS)
    assert [box.itemText(i) for i in range(3)] == [
        "Aucune caméra",
        "Caméra 0 (1280×720)",
        "Caméra 2 (640×480)",
    ]
    assert dialog.camera_note.text().startswith("2 caméra(s) trouvée(s)")
    dialog.grab().save(str(SHOTS_DIR / "settings-cameras-found.png"))
    box.setCurrentIndex(2)
    dialog.accept_button.click()
    assert ui.services.settings.get(CAMERA) == "2"


def test_a_video_file_typed_as_the_camera_is_read_by_the_counter(ui, qtbot, tmp_path):
    video = tmp_path / "comptoir.avi"
    qr_video(video, "23166621", frames=60)
    dialog = open_settings(qtbot, ui)
    qtbot.waitUntil(lambda: "trouvée" in dialog.camera_note.text(), timeout=WAIT_MS)
    box = dialog.editors[CAMERA.key]
    box.setEditText(str(video))
    dialog.accept_button.click()
    assert ui.services.settings.get(CAMERA) == str(video)
    counter = ui.counter
    try:
        qtbot.waitUntil(lambda: counter.camera.isVisible(), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.CARD, timeout=WAIT_MS)
        assert counter.card.card_number == "23166621"
        QApplication.processEvents()
        ui.window.grab().save(str(SHOTS_DIR / "camera-file-card.png"))
    finally:
        counter.set_camera("")
        counter.camera.stop(wait_s=5.0)
