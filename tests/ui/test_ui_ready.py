"""HDF_POS_READY: the app says when the counter is usable (the bundle test and bench/cold_start.py
rely on it), saves a picture of it, and quits normally when asked."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO
from PySide6.QtGui import QImage

from pos.ui.app import open_terminal


def _enrolled(central, tmp_path):
    data = tmp_path / "terminal"
    terminal = open_terminal(data)
    terminal.enroll(server_url=central.url, partner_code="L212", password="Demo-L212", label="X")
    terminal.close()
    return data


def test_the_app_announces_the_usable_counter_with_a_picture_and_quits(central, tmp_path):
    data = _enrolled(central, tmp_path)
    picture = tmp_path / "counter.png"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HDF_POS_READY": "1",
        "HDF_POS_READY_SCREENSHOT": str(picture),
        "HDF_POS_READY_QUIT": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "pos", "--data-dir", str(data)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["hdf-pos: counter ready"]
    image = QImage(str(picture))
    # The first start fills the screen (offscreen: 800×800), no narrower than the counter's
    # own minimum width (tests/ui/test_ui_fit_1366.py checks a real 1366×768 screen).
    assert image.height() == 800 and 800 <= image.width() <= 1280


def test_without_the_variable_nothing_is_announced(central, tmp_path):
    data = _enrolled(central, tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HDF_POS_READY")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pos", "--data-dir", str(data)],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=8,
        )
        raise AssertionError(f"the windows closed by themselves: {done.stderr[-2000:]}")
    except subprocess.TimeoutExpired as stopped:
        assert not stopped.stdout  # still running, and silent on stdout
