"""The camera preview on real frames: a video file with a QR code, read and decoded off the GUI
thread; the preview shows a box where the code is and emits the scan once."""

from __future__ import annotations

import cv2
import numpy as np
import segno
from conftest import shot

from pos.ui.camera import CameraPanel


def qr_video(path, text: str, frames: int = 20) -> None:
    qr = segno.make(text, error="m")
    matrix = np.array(list(qr.matrix), dtype=np.uint8)
    module = 8
    code = np.kron(1 - matrix, np.ones((module, module), dtype=np.uint8)) * 255
    code = np.pad(code, 4 * module, constant_values=255)
    frame = np.full((480, 640, 3), 90, dtype=np.uint8)  # a grey counter top
    h, w = code.shape
    y, x = (480 - h) // 2, (640 - w) // 2
    frame[y : y + h, x : x + w] = code[..., None]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 15, (640, 480))
    for _ in range(frames):
        writer.write(frame)
    writer.release()


def watch(qtbot, source) -> tuple[CameraPanel, list[str]]:
    """A preview on `source`, shown, until a box is drawn and a code emitted; (panel, codes)."""
    panel = CameraPanel()
    qtbot.addWidget(panel)
    panel.show()
    seen: list[str] = []
    panel.scanned.connect(seen.append)
    panel.start(str(source))
    try:
        qtbot.waitUntil(lambda: panel.boxes_seen > 0 and bool(seen), timeout=10000)
    except BaseException:
        panel.stop(wait_s=5.0)
        raise
    return panel, seen


def test_preview_draws_a_box_and_emits_the_code_once(qtbot, tmp_path):
    video = tmp_path / "counter.avi"
    qr_video(video, "23166621")
    panel, seen = watch(qtbot, video)
    try:
        qtbot.wait(500)  # the code stays in view: still one scan
        assert seen == ["23166621"]
        shot(panel, "16-camera-box")
    finally:
        panel.stop(wait_s=5.0)


def test_a_camera_that_does_not_open_says_so(qtbot, tmp_path):
    panel = CameraPanel()
    qtbot.addWidget(panel)
    panel.start(str(tmp_path / "missing.avi"))
    qtbot.waitUntil(lambda: "indisponible" in panel.view.text(), timeout=10000)


def test_preview_reads_a_printed_voucher_ticket_through_the_scanner_chain(qtbot, tmp_path):
    """The preview decodes with pos.scanner's chain: a voucher's Code 128 ticket number held
    at an angle in a 1280×720 frame of a folder source lands as a scan, with its box."""
    import zxingcpp

    code = zxingcpp.create_barcode("898564564632", zxingcpp.BarcodeFormat.Code128)
    row = np.asarray(zxingcpp.write_barcode_to_image(code, scale=3))
    row = row[row.shape[0] // 2]
    barcode = np.pad(np.repeat(row[None, :], 110, axis=0), 24, constant_values=255)
    frame = np.full((720, 1280), 140, dtype=np.uint8)
    h, w = barcode.shape
    frame[300 : 300 + h, 400 : 400 + w] = barcode
    turn = cv2.getRotationMatrix2D((400 + w / 2, 300 + h / 2), 12, 1.0)
    frame = cv2.warpAffine(frame, turn, (1280, 720), borderValue=140)
    folder = tmp_path / "frames"
    folder.mkdir()
    cv2.imwrite(str(folder / "ticket.jpg"), frame, [cv2.IMWRITE_JPEG_QUALITY, 80])
    panel, seen = watch(qtbot, folder)
    try:
        assert seen == ["898564564632"]
    finally:
        panel.stop(wait_s=5.0)
