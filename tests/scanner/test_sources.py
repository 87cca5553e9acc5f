"""Frame sources and live scanning on real video files and image folders (no camera here)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from pos.scan import ScanKind
from pos.scanner.live import Deduplicator, LiveScanner, Seen
from pos.scanner.sources import CaptureSource, ImageLoopSource, SourceError, open_source

from . import photolike as pl
from .conftest import VIDEO_FPS, VIDEO_SIZE


@pytest.mark.parametrize("video", ["counter_video", "counter_mjpg"])
def test_video_played_through_the_file_source_gives_each_scan_once(
    video: str, request: pytest.FixtureRequest
) -> None:
    path: Path = request.getfixturevalue(video)
    source = CaptureSource(path)
    seen: list[Seen] = []
    with source:
        assert source.info.granted == (*VIDEO_SIZE, VIDEO_FPS)
        LiveScanner(interval_ms=50).run(source, seen.append)
    assert source.ended and source.error is None
    assert [s.code.text for s in seen] == [pl.CARD_TOKEN_TEXT, pl.TICKET]
    assert [s.scan.kind for s in seen] == [ScanKind.CARD_NUMBER, ScanKind.TICKET_NUMBER]
    assert seen[1].at - seen[0].at > 0.5  # played at its own pace, like a camera


def test_reader_keeps_only_the_newest_frame(counter_video: Path) -> None:
    source = CaptureSource(counter_video, realtime=False)  # frames as fast as they decode
    indexes = []
    with source:
        while (frame := source.latest(timeout=2)) is not None:
            indexes.append(frame.index)
            time.sleep(0.02)  # a slow decoder
    assert indexes == sorted(set(indexes))
    assert len(indexes) < source.frames_read  # stale frames were dropped, never queued


def test_stop_is_clean_and_quick(counter_video: Path) -> None:
    source = CaptureSource(counter_video, loop=True).start()
    assert source.latest(timeout=2) is not None
    started = time.monotonic()
    source.stop()
    assert time.monotonic() - started < 1.0
    assert source.ended and not any(t.name.startswith("frames:") for t in threading.enumerate())
    assert source.latest(timeout=0.1) is None


def test_looping_file_source_goes_on_past_the_end(counter_video: Path) -> None:
    total = len(list(iter_frames(counter_video)))
    with CaptureSource(counter_video, loop=True, realtime=False) as source:
        deadline = time.monotonic() + 10
        while source.frames_read <= total + 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert source.frames_read > total + 5 and not source.ended


def iter_frames(path: Path):
    cap = cv2.VideoCapture(str(path))
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        yield frame
    cap.release()


def test_folder_of_images_loops(tmp_path: Path) -> None:
    for i, text in enumerate(["11111111", "22222222", "33333333"]):
        frame, _ = pl.scene(pl.qr(text, module=5), size=(320, 240))
        cv2.imwrite(str(tmp_path / f"{i:02d}.png"), frame)
    (tmp_path / "notes.txt").write_text("not an image")
    # 50 ms a frame: the reader keeps only the newest frame, so a consumer slowed down by a busy
    # machine would miss some at a faster pace; each image also gets two chances (two loops).
    source = ImageLoopSource(tmp_path, fps=20, loops=2)
    texts = []
    with source:
        assert source.info.granted[:2] == (320, 240)
        scanner = LiveScanner(interval_ms=0, repeat_after_s=0)
        while (frame := source.latest(timeout=2)) is not None:
            texts += [c.text for c in scanner.decode(frame.image)]
            time.sleep(0.001)
    assert set(texts) == {"11111111", "22222222", "33333333"}
    assert source.frames_read == 6 and source.ended


def test_open_source_understands_what_the_user_typed(tmp_path: Path, counter_video: Path) -> None:
    assert isinstance(open_source(str(counter_video)), CaptureSource)
    assert isinstance(open_source(str(tmp_path)), ImageLoopSource)
    assert open_source("2").target == 2  # type: ignore[attr-defined]
    with pytest.raises(SourceError, match="introuvable"):
        open_source(str(tmp_path / "absent.mp4")).start()
    with pytest.raises(SourceError, match="Aucune image"):
        open_source(str(tmp_path)).start()


def test_absent_camera_is_a_clear_error() -> None:
    with pytest.raises(SourceError, match="caméra n° 63"):
        CaptureSource(63).start()


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_pacing_and_two_second_deduplication() -> None:
    clock = Clock()
    scanner = LiveScanner(interval_ms=100, clock=clock)
    frame, _ = pl.scene(pl.qr(pl.CARD_TOKEN_TEXT, module=6))
    blank, _ = pl.scene(np.full((4, 4), 120, np.uint8))
    first = scanner.process(frame)
    assert first is not None and [s.code.text for s in first] == [pl.CARD_TOKEN_TEXT]
    clock.now += 0.05
    assert scanner.process(frame) is None  # too soon: not decoded at all
    clock.now += 0.1
    assert scanner.process(frame) == []  # decoded, already reported
    clock.now += 0.5
    assert scanner.process(blank) == []
    clock.now += 1.0  # seen 1.5 s ago: still the same presentation
    assert scanner.process(frame) == []
    clock.now += 2.5  # away for 2.5 s: a new presentation
    again = scanner.process(frame)
    assert again is not None and [s.code.text for s in again] == [pl.CARD_TOKEN_TEXT]
    assert scanner.decoded == 5 and scanner.skipped == 1


def test_a_frame_arriving_during_a_decode_is_skipped() -> None:
    scanner = LiveScanner(interval_ms=0)
    frame, _ = pl.scene(pl.qr(pl.CARD_TOKEN_TEXT, module=6))
    with scanner._busy:  # a decode is running on another thread
        assert scanner.process(frame) is None
    assert scanner.process(frame) is not None


def test_region_of_the_last_hit_is_tried_first() -> None:
    scanner = LiveScanner(interval_ms=0, repeat_after_s=0)
    code = pl.qr(pl.TICKET, module=4)
    frame, centre = pl.scene(code, at=(1000, 500))
    [first] = scanner.decode(frame)
    assert first.text == pl.TICKET
    assert scanner._roi is not None
    x0, y0, x1, y1 = scanner._roi
    assert x0 <= centre[0] <= x1 and y0 <= centre[1] <= y1 and (x1 - x0) < 640
    moved, moved_centre = pl.scene(code, at=(1010, 495))
    [again] = scanner.decode(moved)
    assert again.text == pl.TICKET
    cx, cy = again.centre
    assert abs(cx - moved_centre[0]) < 3 and abs(cy - moved_centre[1]) < 3  # frame coordinates


def test_deduplicator_forgets_old_codes() -> None:
    d = Deduplicator(2.0)
    assert d.fresh("a", 0.0) and not d.fresh("a", 1.9) and not d.fresh("a", 3.8)
    assert d.fresh("a", 6.0) and d.fresh("b", 6.0)


def test_ip_camera_url(counter_mjpg: Path) -> None:
    """An IP camera is a URL: here the MJPG video served over HTTP on a free loopback port."""
    import functools
    import http.server

    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(counter_mjpg.parent)
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{counter_mjpg.name}"
        source = open_source(url)
        assert isinstance(source, CaptureSource) and not source.is_file
        texts: set[str] = set()
        scanner = LiveScanner(interval_ms=0, repeat_after_s=0)
        with source:
            assert source.info.granted[:2] == VIDEO_SIZE
            assert source.info.requested == (1280, 720, 30.0)  # asked; a stream gives its own
            while (frame := source.latest(timeout=3)) is not None:
                texts.update(c.text for c in scanner.decode(frame.image))
        assert source.frames_read == len(list(iter_frames(counter_mjpg)))
        assert texts <= {pl.CARD_TOKEN_TEXT, pl.TICKET}
        # A camera stream that stops is an error to show, unlike the end of a file.
        assert source.error is not None and "ne donne plus d'images" in source.error
    finally:
        server.shutdown()
        server.server_close()


def test_each_system_opens_cameras_with_its_own_back_end():
    from pos.scanner.sources import camera_backend

    assert camera_backend("win32") == cv2.CAP_DSHOW  # Media Foundation opens in seconds
    assert camera_backend("linux") == cv2.CAP_V4L2
    assert camera_backend("darwin") == cv2.CAP_AVFOUNDATION
    assert camera_backend("freebsd14") == cv2.CAP_ANY
    assert len({camera_backend(p) for p in ("win32", "linux", "darwin", "freebsd14")}) == 4
