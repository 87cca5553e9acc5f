"""Where frames come from: a camera, a video file, an IP camera URL, or a looping folder of images.

Every source reads in its own thread and keeps only the newest frame, so the decoder never works
on a stale picture however slow it is; `stop()` ends the thread and releases the device.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm"})


class SourceError(RuntimeError):
    """A source that cannot be opened or read (the message is for the cashier, in French)."""


@dataclass(frozen=True)
class Frame:
    image: np.ndarray  # BGR or grey, as the source gives it
    index: int  # 0, 1, 2 ... in reading order (gaps = frames dropped as stale)
    at: float  # time.monotonic() when it was read


@dataclass(frozen=True)
class SourceInfo:
    description: str
    requested: tuple[int, int, float] | None  # width, height, fps asked for (None: as it comes)
    granted: tuple[int, int, float]  # what the device or file actually gives


class FrameSource:
    """Base: a reader thread filling a one-frame slot. Subclasses implement `_frames()`."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._latest: Frame | None = None
        self._delivered = -1
        self._stop = threading.Event()
        self._ended = False
        self._thread: threading.Thread | None = None
        self.error: str | None = None
        self.frames_read = 0
        self.info = SourceInfo("", None, (0, 0, 0.0))

    # --- what subclasses provide -------------------------------------------------------------
    def _open(self) -> None:
        """Open the device (may raise SourceError); fills `self.info`."""

    def _frames(self) -> Iterator[np.ndarray]:
        raise NotImplementedError

    def _close(self) -> None:
        """Release the device; called from the reader thread when it ends."""

    # --- the public side ---------------------------------------------------------------------
    def start(self) -> FrameSource:
        if self._thread is not None:
            return self
        self._open()
        self._thread = threading.Thread(target=self._run, name=f"frames:{self}", daemon=True)
        self._thread.start()
        return self

    def latest(self, timeout: float | None = None) -> Frame | None:
        """The newest frame not handed out yet; waits up to `timeout` s. None at the end."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                frame = self._latest
                if frame is not None and frame.index > self._delivered:
                    self._delivered = frame.index
                    return frame
                if self._ended or self._stop.is_set():
                    return None
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining)

    @property
    def ended(self) -> bool:
        return self._ended

    def request_stop(self) -> None:
        """Ask the reader to stop and wake whoever waits for a frame; returns at once."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()

    def stop(self, timeout: float = 5.0) -> None:
        self.request_stop()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def __enter__(self) -> FrameSource:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            for index, image in enumerate(self._frames()):
                if self._stop.is_set():
                    break
                with self._cond:
                    self._latest = Frame(image, index, time.monotonic())
                    self.frames_read += 1
                    self._cond.notify_all()
        except Exception as exc:  # a device unplugged mid-read: say so, never kill the caller
            self.error = f"lecture interrompue : {exc}"
        finally:
            self._close()
            with self._cond:
                self._ended = True
                self._cond.notify_all()

    def _sleep_until(self, t: float) -> bool:
        """Pace a file like a live camera; False when asked to stop meanwhile."""
        delay = t - time.monotonic()
        return not self._stop.wait(delay) if delay > 0 else not self._stop.is_set()


def camera_backend(platform: str = sys.platform) -> int:
    """OpenCV's capture back-end for a camera index on this system.

    Windows: DirectShow (CAP_DSHOW) opens a USB camera in well under a second and honours the
    size asked for, where Media Foundation (OpenCV's default there) often takes seconds to open;
    Linux: Video4Linux2, the only one a shop PC has; macOS: AVFoundation. Files and URLs keep
    CAP_ANY (FFmpeg reads them).
    """
    if platform == "win32":
        return int(cv2.CAP_DSHOW)
    if platform.startswith("linux"):
        return int(cv2.CAP_V4L2)
    if platform == "darwin":
        return int(cv2.CAP_AVFOUNDATION)
    return int(cv2.CAP_ANY)


class CaptureSource(FrameSource):
    """OpenCV VideoCapture on a camera index, a video file or a URL (IP camera).

    Files are played at their own frame rate (as a camera would deliver them), optionally in a
    loop; cameras and URLs are read as fast as they give frames.
    """

    def __init__(
        self,
        target: int | str | Path,
        *,
        width: int | None = 1280,
        height: int | None = 720,
        fps: float | None = 30.0,
        loop: bool = False,
        realtime: bool = True,
    ) -> None:
        super().__init__()
        self.target: int | str = target if isinstance(target, int) else str(target)
        self.is_file = isinstance(self.target, str) and "://" not in self.target
        self._requested = (width or 0, height or 0, fps or 0.0)
        self.loop = loop
        self.realtime = realtime
        self._cap: cv2.VideoCapture | None = None

    def __str__(self) -> str:
        return f"camera {self.target}" if isinstance(self.target, int) else str(self.target)

    def _open(self) -> None:
        if self.is_file and not Path(str(self.target)).is_file():
            raise SourceError(f"Vidéo introuvable : {self.target}")
        if isinstance(self.target, int):
            cap = cv2.VideoCapture(self.target, camera_backend())
        else:
            cap = cv2.VideoCapture(self.target)
        if not cap.isOpened():
            cap.release()
            what = f"la caméra n° {self.target}" if isinstance(self.target, int) else self.target
            raise SourceError(f"Impossible d'ouvrir {what}.")
        requested = None
        if not self.is_file:
            # A camera grants what it can; read back what it really does.
            w, h, f = self._requested
            if w and h:
                cap.set(cv2.CAP_PROP_FRAME_WIDTH, w)
                cap.set(cv2.CAP_PROP_FRAME_HEIGHT, h)
            if f:
                cap.set(cv2.CAP_PROP_FPS, f)
            requested = self._requested
        granted = (
            int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
            int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
            float(cap.get(cv2.CAP_PROP_FPS) or 0.0),
        )
        self._cap = cap
        self.info = SourceInfo(str(self), requested, granted)

    def _frames(self) -> Iterator[np.ndarray]:
        cap = self._cap
        assert cap is not None
        fps = self.info.granted[2]
        period = 1.0 / fps if self.is_file and self.realtime and 0 < fps < 1000 else 0.0
        failures = 0
        next_at = time.monotonic()
        while not self._stop.is_set():
            ok, image = cap.read()
            if not ok or image is None:
                if self.is_file and self.loop and self.frames_read:
                    cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
                    continue
                if self.is_file:
                    return
                failures += 1  # cameras drop a frame now and then; give up after a second
                if failures > 30:
                    raise SourceError("la caméra ne donne plus d'images")
                if self._stop.wait(0.033):
                    return  # asked to stop: not an error
                continue
            failures = 0
            if period:
                next_at += period
                if not self._sleep_until(next_at):
                    return
            yield image

    def _close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class ImageLoopSource(FrameSource):
    """The images of a folder (sorted by name), or of a video, played in a loop at `fps`.

    For demos and tests on machines without a camera.
    """

    def __init__(self, path: str | Path, *, fps: float = 10.0, loops: int | None = None) -> None:
        super().__init__()
        self.path = Path(path)
        self.fps = fps
        self.loops = loops  # None: forever
        self._images: list[np.ndarray] = []

    def __str__(self) -> str:
        return str(self.path)

    def _open(self) -> None:
        if self.path.is_dir():
            files = sorted(p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            images = [img for img in (read_image(p) for p in files) if img is not None]
        elif self.path.is_file():
            images = list(read_video(self.path))
        else:
            raise SourceError(f"Dossier ou fichier introuvable : {self.path}")
        if not images:
            raise SourceError(f"Aucune image lisible dans {self.path}")
        self._images = images
        h, w = images[0].shape[:2]
        self.info = SourceInfo(str(self.path), None, (w, h, self.fps))

    def _frames(self) -> Iterator[np.ndarray]:
        period = 1.0 / self.fps if self.fps > 0 else 0.0
        next_at = time.monotonic()
        played = 0
        while self.loops is None or played < self.loops:
            for image in self._images:
                if period:
                    next_at += period
                    if not self._sleep_until(next_at):
                        return
                yield image
            played += 1


def open_source(spec: str | int, **options: object) -> FrameSource:
    """A source from what a user typed: a camera index, a URL, a video file or an image folder."""
    if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit()):
        return CaptureSource(int(spec), **options)  # type: ignore[arg-type]
    path = Path(spec)
    if path.is_dir() or path.suffix.lower() in IMAGE_SUFFIXES:
        fps = options.get("fps")
        return ImageLoopSource(path, fps=float(fps) if isinstance(fps, int | float) else 10.0)
    return CaptureSource(spec, **options)  # type: ignore[arg-type]


@dataclass(frozen=True)
class CameraInfo:
    index: int
    width: int
    height: int
    fps: float


def enumerate_cameras(max_index: int = 10) -> list[CameraInfo]:
    """The camera indexes that really open (on Linux only the /dev/video* that exist are tried)."""
    if sys.platform.startswith("linux"):
        dev = Path("/dev")
        indexes = sorted(int(p.name[5:]) for p in dev.glob("video*") if p.name[5:].isdigit())
    else:
        indexes = list(range(max_index))
    found = []
    for index in indexes:
        cap = cv2.VideoCapture(index, camera_backend())
        try:
            if cap.isOpened():
                found.append(
                    CameraInfo(
                        index,
                        int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
                        int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
                        float(cap.get(cv2.CAP_PROP_FPS) or 0.0),
                    )
                )
        finally:
            cap.release()
    return found


def read_image(path: str | Path) -> np.ndarray | None:
    """An image file as grey pixels in its stored orientation (EXIF rotation not applied, so
    coordinates are the file's own); None if it is not an image. Works with any path encoding."""
    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except OSError:
        return None
    if data.size == 0:
        return None
    return cv2.imdecode(data, cv2.IMREAD_GRAYSCALE | cv2.IMREAD_IGNORE_ORIENTATION)


def read_video(path: str | Path) -> Iterator[np.ndarray]:
    """Every frame of a video file, as fast as it decodes."""
    cap = cv2.VideoCapture(str(path))
    try:
        while cap.isOpened():
            ok, image = cap.read()
            if not ok or image is None:
                return
            yield image
    finally:
        cap.release()
