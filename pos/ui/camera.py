"""The camera preview: frames read and decoded on a worker thread, a box drawn where a code is seen.

Off unless a camera is chosen in the settings (none exists on many counters). The source is a
device index ("0") or a video file / URL (tests feed real frames that way). The GUI thread only
receives small ready-made images and the decoded texts, rate-limited.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from PySide6.QtCore import QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

log = logging.getLogger(__name__)

PREVIEW_WIDTH = 320
DECODE_INTERVAL_S = 0.15  # decode at most ~7 times a second (Electrum's `interval()`)
SAME_CODE_QUIET_S = 3.0  # the same code held in front of the camera is one scan


def open_capture(spec: str) -> Any:
    import cv2

    source: int | str = int(spec) if spec.isdigit() else spec
    capture = cv2.VideoCapture(source)
    if not capture.isOpened():
        raise OSError(f"camera {spec!r} cannot be opened")
    return capture


def decode(frame: Any) -> list[tuple[str, list[tuple[float, float]]]]:
    """Texts and corner points of the codes in a BGR frame."""
    import zxingcpp

    found = []
    for code in zxingcpp.read_barcodes(frame):
        if not code.valid:
            continue
        p = code.position
        corners = [p.top_left, p.top_right, p.bottom_right, p.bottom_left]
        found.append((code.text, [(float(c.x), float(c.y)) for c in corners]))
    return found


class _Emitter(QObject):
    frame = Signal(QImage, object)  # preview image, [(text, corners scaled to the preview)]
    failed = Signal(str)


class CameraWorker(threading.Thread):
    def __init__(self, spec: str, emitter: _Emitter) -> None:
        super().__init__(name="ui-camera", daemon=True)
        self.spec = spec
        self.emitter = emitter
        self.stop_event = threading.Event()

    def run(self) -> None:
        import cv2

        try:
            capture = open_capture(self.spec)
        except Exception as exc:
            if not self.stop_event.is_set():
                self.emitter.failed.emit(str(exc))
            return
        is_file = not self.spec.isdigit()
        delay = 1.0 / (capture.get(cv2.CAP_PROP_FPS) or 15) if is_file else 0.0
        last_decode = 0.0
        codes: list[tuple[str, list[tuple[float, float]]]] = []
        try:
            while not self.stop_event.is_set():
                ok, frame = capture.read()
                if not ok:
                    if is_file:  # a recorded source loops
                        capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                        continue
                    self.emitter.failed.emit("no frame")
                    return
                now = time.monotonic()
                if now - last_decode >= DECODE_INTERVAL_S:
                    last_decode = now
                    codes = decode(frame)
                h, w = frame.shape[:2]
                scale = PREVIEW_WIDTH / w
                small = cv2.resize(frame, (PREVIEW_WIDTH, int(h * scale)))
                rgb = cv2.cvtColor(small, cv2.COLOR_BGR2RGB)
                height, width = rgb.shape[:2]
                fmt = QImage.Format.Format_RGB888
                image = QImage(rgb.data, width, height, rgb.strides[0], fmt).copy()
                scaled = [(t, [(x * scale, y * scale) for x, y in pts]) for t, pts in codes]
                if self.stop_event.is_set():
                    break
                try:
                    self.emitter.frame.emit(image, scaled)
                except RuntimeError:  # the panel is gone
                    break
                time.sleep(max(delay, 0.03))
        finally:
            capture.release()


class CameraPanel(QWidget):
    """Preview with a green box on each code seen; `scanned(text)` once per code shown."""

    scanned = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = QLabel(self.tr("Caméra éteinte"))
        self.view.setObjectName("photo")
        self.view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.view.setFixedSize(PREVIEW_WIDTH, int(PREVIEW_WIDTH * 0.75))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self._emitter = _Emitter(self)
        self._emitter.frame.connect(self._show_frame)
        self._emitter.failed.connect(self._failed)
        self._worker: CameraWorker | None = None
        self._last: tuple[str, float] = ("", 0.0)
        self.boxes_seen = 0

    def start(self, spec: str) -> None:
        self.stop()
        if not spec:
            return
        self.view.setText(self.tr("Ouverture de la caméra…"))
        self._worker = CameraWorker(spec, self._emitter)
        self._worker.start()

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.stop_event.set()
            self._worker = None

    def _failed(self, why: str) -> None:
        log.warning("camera: %s", why)
        self.view.setPixmap(QPixmap())
        self.view.setText(self.tr("Caméra indisponible : vérifiez le réglage de la caméra."))

    def _show_frame(self, image: QImage, codes: list[Any]) -> None:
        pixmap = QPixmap.fromImage(image)
        if codes:
            painter = QPainter(pixmap)
            painter.setPen(QPen(QColor("#00e060"), 4))
            for _text, pts in codes:
                painter.drawPolygon(QPolygonF([QPointF(x, y) for x, y in pts]))
            painter.end()
            self.boxes_seen += 1
        self.view.setPixmap(pixmap)
        now = time.monotonic()
        for text, _pts in codes:
            if text != self._last[0] or now - self._last[1] > SAME_CODE_QUIET_S:
                self.scanned.emit(text)
            self._last = (text, now)
