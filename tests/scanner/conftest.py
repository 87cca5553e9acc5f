"""Video and image fixtures for the scanner tests (real encoded files in a temp folder)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from . import photolike as pl

VIDEO_SIZE = (640, 360)
VIDEO_FPS = 20.0


def write_video(path: Path, frames: list[np.ndarray], fps: float = VIDEO_FPS) -> Path:
    fourcc = cv2.VideoWriter_fourcc(*("mp4v" if path.suffix == ".mp4" else "MJPG"))
    writer = cv2.VideoWriter(str(path), fourcc, fps, VIDEO_SIZE)
    assert writer.isOpened(), "OpenCV cannot write this video here"
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    return path


def counter_frames() -> list[np.ndarray]:
    """What a camera at the counter sees: nobody (0.5 s), a card QR held 1 s, nobody, a voucher
    Code 128 held 1 s."""
    empty, _ = pl.scene(np.full((4, 4), 120, np.uint8), size=VIDEO_SIZE, seed=9)
    card, _ = pl.scene(pl.qr(pl.CARD_TOKEN_TEXT, module=6), size=VIDEO_SIZE, seed=9)
    ticket, _ = pl.scene(pl.linear(pl.TICKET, "Code128", scale=2, height=80), size=VIDEO_SIZE)
    n = int(VIDEO_FPS)
    frames = [empty] * (n // 2)
    # the card moves a little, as in a hand
    frames += [np.roll(card, (i % 5) - 2, axis=1) for i in range(n)]
    frames += [empty] * (n // 2) + [ticket] * n + [empty] * 2
    return frames


@pytest.fixture(scope="session")
def counter_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_video(tmp_path_factory.mktemp("video") / "counter.mp4", counter_frames())


@pytest.fixture(scope="session")
def counter_mjpg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_video(tmp_path_factory.mktemp("video") / "counter.avi", counter_frames())
