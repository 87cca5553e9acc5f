"""`hdf-pos decode` and `scan` (run here as `python -m pos.scanner.cli`), as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from pos.scanner.codes import point_in_polygon

from . import photolike as pl

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "pos.scanner.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_decode_json_lines_in_each_files_own_pixels(tmp_path: Path) -> None:
    # A 4000×3000 photo (the chain shrinks it inside) and a small PNG, in a sub-folder.
    big = np.full((3000, 4000), 190, np.uint8)
    code = pl.qr(pl.CARD_TOKEN_TEXT, module=20)
    big[2000 : 2000 + code.shape[0], 3100 : 3100 + code.shape[1]] = code
    big_centre = (3100 + code.shape[1] / 2, 2000 + code.shape[0] / 2)
    (tmp_path / "shots").mkdir()
    cv2.imwrite(str(tmp_path / "shots" / "photo 1.jpg"), big, [cv2.IMWRITE_JPEG_QUALITY, 80])
    small, small_centre = pl.scene(pl.linear(pl.TICKET, "Code128", scale=2), size=(500, 300))
    cv2.imwrite(str(tmp_path / "ticket.png"), small)

    done = run("decode", "shots/photo 1.jpg", "./ticket.png", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["file"] for line in lines] == ["shots/photo 1.jpg", "./ticket.png"]
    assert all(set(line) == {"file", "codes", "ms"} for line in lines)
    assert all(isinstance(line["ms"], float) and line["ms"] > 0 for line in lines)
    [card], [ticket] = lines[0]["codes"], lines[1]["codes"]
    assert card["text"] == pl.CARD_TOKEN_TEXT and card["format"] == "QR"
    assert ticket["text"] == pl.TICKET and ticket["format"] == "Code 128"
    for found, centre in ((card, big_centre), (ticket, small_centre)):
        assert set(found) == {"text", "format", "polygon"}
        assert len(found["polygon"]) == 4 and all(len(p) == 2 for p in found["polygon"])
        assert point_in_polygon(centre, found["polygon"])


def test_decode_reports_files_without_code_and_unreadable_ones(tmp_path: Path) -> None:
    blank, _ = pl.scene(np.full((4, 4), 128, np.uint8), size=(320, 240))
    cv2.imwrite(str(tmp_path / "blank.png"), blank)
    (tmp_path / "notes.txt").write_text("bonjour")
    done = run("decode", "blank.png", "--json", cwd=tmp_path)
    assert done.returncode == 1
    assert json.loads(done.stdout)["codes"] == []
    done = run("decode", "notes.txt", "blank.png", cwd=tmp_path)
    assert done.returncode == 2
    assert "notes.txt : fichier illisible" in done.stderr
    assert "blank.png : aucun code" in done.stdout


def test_decode_a_video_lists_each_code_once(counter_video: Path) -> None:
    done = run("decode", str(counter_video), "--json", cwd=counter_video.parent)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["file"] == str(counter_video)
    assert [c["text"] for c in result["codes"]] == [pl.CARD_TOKEN_TEXT, pl.TICKET]


def test_scan_prints_each_parsed_scan_once(counter_video: Path) -> None:
    done = run("scan", "--source", str(counter_video), "--json", cwd=counter_video.parent)
    assert done.returncode == 0, done.stderr
    seen = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(s["kind"], s["card_number"], s["ticket_number"]) for s in seen] == [
        ("card_number", pl.CARD_TOKEN_TEXT, None),
        ("ticket_number", None, pl.TICKET),
    ]
    assert "640×360 à 20 i/s" in done.stderr  # what the source grants


def test_scan_once_in_words(counter_video: Path) -> None:
    done = run("scan", "--source", str(counter_video), "--once", cwd=counter_video.parent)
    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()
    assert f"[QR] card_number {pl.CARD_TOKEN_TEXT}" in line


def test_scan_without_camera_says_so(tmp_path: Path) -> None:
    done = run("scan", "--camera", "63", cwd=tmp_path)
    assert done.returncode == 2
    assert "Impossible d'ouvrir la caméra n° 63" in done.stderr
    listed = run("scan", "--list-cameras", cwd=tmp_path)
    assert listed.returncode == 0 and listed.stdout.strip()
