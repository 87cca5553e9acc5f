"""On a real X server: xdotool types a card number and Enter into the running app, as a USB
scanner would, and the counter shows the card (ENV.md recipe: Xvfb, windowfocus, type, key)."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SHOTS
from support.pipe_lines import PipeLines
from ui_xwd import xwd_to_qimage

pytestmark = [
    pytest.mark.xvfb,
    pytest.mark.skipif(
        not (shutil.which("Xvfb") and shutil.which("xdotool") and shutil.which("xwd")),
        reason="needs Xvfb, xdotool and xwd (scripts/bootstrap.sh installs them)",
    ),
]
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def start_xvfb(size: str = "1280x800x24"):
    read, write = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", size, "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    ready, _, _ = select.select([read], [], [], 15)
    number = os.read(read, 16).decode().strip() if ready else ""
    # Keep the read end open while Xvfb runs: it may write to that pipe again (SIGPIPE kills it).
    proc.displayfd = read
    if not number:
        proc.kill()
        pytest.fail("Xvfb did not start")
    return proc, f":{number}"


def _hardware_priority() -> None:
    """A scanner is hardware: its timing does not depend on the machine's load. The X server and
    xdotool run ahead of the rest where allowed (a loaded CI machine would otherwise pause
    xdotool for longer than a scanner ever pauses)."""
    try:
        os.nice(-10)
    except OSError:
        pass


def xdo(display: str, *args: str) -> str:
    out = subprocess.run(
        ["xdotool", *args],
        env={**os.environ, "DISPLAY": display},
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_hardware_priority,
    )
    return out.stdout.strip()


def test_xdotool_types_a_card_number_into_the_running_app(central, tmp_path, qapp):
    from pos.ui.app import open_terminal

    data = tmp_path / "terminal"
    terminal = open_terminal(data)
    terminal.enroll(server_url=central.url, partner_code="L212", password="Demo-L212", label="X")
    terminal.close()

    xvfb, display = start_xvfb()
    env = {
        **os.environ,
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "PYTHONPATH": os.pathsep.join([str(HERE), str(REPO)]),
    }
    app = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pos",  # `hdf-pos` with no sub-command: the windows
            "--data-dir",
            str(data),
        ],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        seen, lines = "", PipeLines(app.stderr)
        deadline = time.monotonic() + 40
        while "windows ready" not in seen and time.monotonic() < deadline and app.poll() is None:
            seen += (lines.next_line(0.5) or "") + "\n"
        assert "windows ready" in seen, seen
        wid = xdo(display, "search", "--name", "Terminal Génération").split("\n")[0]
        assert wid, "the window did not appear"
        time.sleep(1.0)  # mapped and painted before the "scanner" types
        xdo(display, "windowfocus", "--sync", wid)
        xdo(display, "type", "--delay", "5", "23166621")
        xdo(display, "key", "Return")
        deadline = time.monotonic() + 20
        while "card shown: 23166621" not in seen and time.monotonic() < deadline:
            seen += (lines.next_line(0.5) or "") + "\n"
        assert "card shown: 23166621" in seen
        time.sleep(1.0)  # let the photo arrive before the screenshot
        dump = tmp_path / "screen.xwd"
        with open(dump, "wb") as f:
            subprocess.run(["xwd", "-root", "-silent"], env=env, stdout=f, check=True, timeout=30)
        SHOTS.mkdir(parents=True, exist_ok=True)
        xwd_to_qimage(dump).save(str(SHOTS / "15-xvfb-card.png"))
    finally:
        app.terminate()
        try:
            app.wait(10)
        except subprocess.TimeoutExpired:
            app.kill()
        xvfb.terminate()
        xvfb.wait(10)
        os.close(xvfb.displayfd)
