"""The camera preview: frames read and decoded on a worker thread, a box drawn where a code is seen.

Off unless a camera is chosen in the settings (none exists on many counters). The source is a
device index ("0"), a video file, a URL or a folder of images (tests feed real frames that way),
read and decoded by `pos.scanner` (the decoder chain measured on real photos). The GUI thread only
receives small ready-made images and the decoded texts, rate-limited.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

if TYPE_CHECKING:
    import numpy as np

    from pos.scanner.sources import FrameSource

log = logging.getLogger(__name__)

Boxes = list[list[tuple[float, float]]]  # each code's corners, in preview pixels

PREVIEW_WIDTH = 320
PREVIEW_PERIOD_S = 1 / 15  # the preview repaints at most 15 times a second
DECODE_INTERVAL_MS = 100  # the scanner's pacing (pos.scanner.live.LiveScanner)


class _Emitter(QObject):
    frame = Signal(QImage, object)  # preview image, Boxes
    seen = Signal(str)  # a code's text, once per sighting (LiveScanner's 2 s de-duplication)
    failed = Signal(str)


class CameraWorker(threading.Thread):
    """Frames from `pos.scanner` (camera index, video file, URL or image folder) decoded by the
    measured decoder chain through `LiveScanner`: pacing, skip while busy, region of the last
    hit, Code 128 tickets as well as QR codes."""

    def __init__(self, spec: str, emitter: _Emitter) -> None:
        super().__init__(name="ui-camera", daemon=True)
        self.spec = spec
        self.emitter = emitter
        self.stop_event = threading.Event()
        self.source: FrameSource | None = None

    def request_stop(self) -> None:
        """Returns at once: the reader and this thread end on their own within a frame."""
        self.stop_event.set()
        if self.source is not None:
            self.source.request_stop()

    def run(self) -> None:
        from pos.scanner.live import LiveScanner
        from pos.scanner.sources import SourceError, open_source

        try:
            source = open_source(self.spec, loop=True).start()  # a recorded source loops
            self.source = source
            if self.stop_event.is_set():
                source.request_stop()
        except (SourceError, OSError, ValueError) as exc:
            if not self.stop_event.is_set():
                self.emitter.failed.emit(str(exc))
            return
        scanner = LiveScanner(interval_ms=DECODE_INTERVAL_MS)
        boxes: Boxes = []
        last_preview = 0.0
        try:
            while not self.stop_event.is_set():
                frame = source.latest(timeout=0.5)
                if frame is None:
                    if source.ended:
                        if not self.stop_event.is_set():
                            self.emitter.failed.emit(source.error or "no frame")
                        return
                    continue
                seen = scanner.process(frame.image)
                if seen is not None:  # this frame was decoded: its codes are the boxes now
                    boxes = [list(code.polygon) for code in scanner.last_codes]
                now = time.monotonic()
                if self.stop_event.is_set():
                    break
                try:
                    for item in seen or []:
                        self.emitter.seen.emit(item.code.text)
                    if seen is not None or now - last_preview >= PREVIEW_PERIOD_S:
                        last_preview = now
                        image, scale = _preview(frame.image)
                        scaled = [[(x * scale, y * scale) for x, y in pts] for pts in boxes]
                        self.emitter.frame.emit(image, scaled)
                except RuntimeError:  # the panel is gone
                    break
        finally:
            source.stop()


def _preview(frame: np.ndarray) -> tuple[QImage, float]:
    import cv2

    h, w = frame.shape[:2]
    scale = PREVIEW_WIDTH / w
    small = cv2.resize(frame, (PREVIEW_WIDTH, max(1, int(h * scale))))
    code = cv2.COLOR_GRAY2RGB if small.ndim == 2 else cv2.COLOR_BGR2RGB
    rgb = cv2.cvtColor(small, code)
    height, width = rgb.shape[:2]
    image = QImage(rgb.data, width, height, rgb.strides[0], QImage.Format.Format_RGB888)
    return image.copy(), scale


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
        self._emitter.seen.connect(self.scanned)
        self._worker: CameraWorker | None = None
        self.boxes_seen = 0

    def start(self, spec: str) -> None:
        self.stop()
        if not spec:
            return
        self.view.setText(self.tr("Ouverture de la caméra…"))
        self._worker = CameraWorker(spec, self._emitter)
        self._worker.start()

    def stop(self, wait_s: float = 0.0) -> None:
        """Stop the preview; the GUI does not wait unless `wait_s` is given (closing the app)."""
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.request_stop()
            if wait_s > 0:
                worker.join(wait_s)

    def _failed(self, why: str) -> None:
        log.warning("camera: %s", why)
        self.view.setPixmap(QPixmap())
        self.view.setText(self.tr("Caméra indisponible : vérifiez le réglage de la caméra."))

    def _show_frame(self, image: QImage, boxes: Boxes) -> None:
        if self._worker is None:  # stopped meanwhile
            return
        pixmap = QPixmap.fromImage(image)
        if boxes:
            painter = QPainter(pixmap)
            painter.setPen(QPen(QColor("#00e060"), 4))
            for pts in boxes:
                painter.drawPolygon(QPolygonF([QPointF(x, y) for x, y in pts]))
            painter.end()
            self.boxes_seen += 1
        self.view.setPixmap(pixmap)
