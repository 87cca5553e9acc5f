"""Live scanning: pace the decoder on a stream of frames and report each code once.

A camera gives 30 frames a second; decoding every one would take a core for nothing. The scanner
decodes at most every `interval_ms`, never two frames at once (a frame arriving while a decode
runs is skipped), looks first where the last code was, and reports the same text again only
after it has been out of sight for `repeat_after_s` (2 s).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from pos.scan import Scan, parse_scan
from pos.scanner.chain import DecoderChain
from pos.scanner.codes import Code
from pos.scanner.decoders import as_gray
from pos.scanner.sources import FrameSource

# Close-ups of located but unread symbols a live frame may spend (the next frame tries again).
LIVE_CROPS = 3


@dataclass(frozen=True)
class Seen:
    """A code met for the first time (or again after 2 s away), parsed."""

    code: Code
    scan: Scan
    at: float  # time.monotonic()


class Deduplicator:
    """The same text seen again within `window_s` of its last sighting is not reported again."""

    def __init__(self, window_s: float = 2.0) -> None:
        self.window_s = window_s
        self._last: dict[str, float] = {}

    def fresh(self, text: str, now: float) -> bool:
        last = self._last.get(text)
        self._last[text] = now
        if len(self._last) > 256:  # forget codes long gone
            self._last = {t: at for t, at in self._last.items() if now - at <= self.window_s}
        return last is None or now - last > self.window_s


class LiveScanner:
    """Frames in, new codes out. `process` may be called from any thread; it never blocks."""

    def __init__(
        self,
        chain: DecoderChain | None = None,
        *,
        interval_ms: float = 100.0,
        repeat_after_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.chain = chain or DecoderChain()
        self.interval_s = interval_ms / 1000.0
        self.dedup = Deduplicator(repeat_after_s)
        self.clock = clock
        self._busy = threading.Lock()
        self._last_decode: float | None = None
        self._roi: tuple[int, int, int, int] | None = None  # x0, y0, x1, y1 of the last hit
        self._fallback = 0  # which fallback pass an empty frame tries this time
        self.decoded = 0
        self.last_codes: list[Code] = []  # every code of the last decoded frame (a preview's boxes)
        self.skipped = 0

    def process(self, frame: np.ndarray) -> list[Seen] | None:
        """Decode `frame` unless too soon or busy (None then); the codes not reported lately."""
        now = self.clock()
        if self._last_decode is not None and now - self._last_decode < self.interval_s:
            self.skipped += 1
            return None
        if not self._busy.acquire(blocking=False):
            self.skipped += 1
            return None
        try:
            self._last_decode = now
            codes = self.decode(frame)
            self.decoded += 1
            self.last_codes = codes
            done = self.clock()
            return [
                Seen(c, parse_scan(c.text), done) for c in codes if self.dedup.fresh(c.text, done)
            ]
        finally:
            self._busy.release()

    def decode(self, frame: np.ndarray) -> list[Code]:
        """One frame: the region of the last hit first, then the frame with the primary pass and
        one fallback pass in turn (consecutive frames are alike, so across a few frames every
        fallback gets its go while each frame stays within the budget)."""
        gray = as_gray(frame)
        if gray is None:
            return []
        if self._roi is not None:
            x0, y0, x1, y1 = self._roi
            crop = gray[y0:y1, x0:x1]
            codes = [c.mapped(1.0, x0, y0) for c in self.chain.decode(crop, passes=(0,))]
            if codes:
                self._remember(codes, gray.shape)
                return codes
            self._roi = None
        fallbacks = len(self.chain.passes) - 1
        passes: tuple[int, ...] = (0,)
        if fallbacks > 0:
            passes = (0, 1 + self._fallback % fallbacks)
            self._fallback += 1
        codes = self.chain.decode(gray, passes=passes, max_crops=LIVE_CROPS)
        self._remember(codes, gray.shape)
        return codes

    def _remember(self, codes: list[Code], shape: tuple[int, ...]) -> None:
        if not codes:
            return
        pts = np.array([p for c in codes for p in c.polygon], dtype=np.float32)
        x, y, w, h = cv2.boundingRect(pts)
        margin = max(w, h) // 2 + 16  # the code moves between two frames
        height, width = shape[:2]
        roi = (max(0, x - margin), max(0, y - margin))
        roi_end = (min(width, x + w + margin), min(height, y + h + margin))
        big_enough = roi_end[0] - roi[0] >= 32 and roi_end[1] - roi[1] >= 32
        self._roi = (*roi, *roi_end) if big_enough else None

    def run(
        self,
        source: FrameSource,
        on_seen: Callable[[Seen], None],
        stop: threading.Event | None = None,
    ) -> None:
        """Read the newest frames of `source` until it ends or `stop` is set."""
        stop = stop or threading.Event()
        while not stop.is_set():
            if self._last_decode is not None:
                wait = self.interval_s - (self.clock() - self._last_decode)
                if wait > 0 and stop.wait(wait):
                    return
            frame = source.latest(timeout=0.5)  # the newest, taken after the wait
            if frame is None:
                if source.ended:
                    return
                continue
            for seen in self.process(frame.image) or []:
                on_seen(seen)
