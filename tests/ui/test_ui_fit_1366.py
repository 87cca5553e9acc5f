"""Fits the screen (issue 12): on an Xvfb screen of 1366×768 the counter starts maximised and,
after each scenario (card shown, payment done, refusal and split, blocked card, voucher, a long
holder's name, the offline bar, the other tabs), the window stays within the screen, keeps its
size, and no visible label or button has less room than its text needs. The scenarios run in a
child process on the xcb platform (tests/ui/fit_1366_scenarios.py); screenshots in
test-output/ui-counter/fit-*.png."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.central_server import run_central_cli
from test_ui_xvfb import start_xvfb

pytestmark = [
    pytest.mark.xvfb,
    pytest.mark.skipif(
        not shutil.which("Xvfb"), reason="needs Xvfb (scripts/bootstrap.sh installs it)"
    ),
]
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SHOTS = REPO / "test-output" / "ui-counter"
SCENARIOS = [
    "start",
    "card",
    "payment-done",
    "refusal-split-offered",
    "split-paid",
    "refusal-blocked-card",
    "voucher",
    "long-holder-card",
    "long-holder-split-offered",
    "long-holder-paid",
    "offline-bar",
    "tab-TransactionsPanel",
    "tab-ManagerPanel",
]


def add_long_named_card(central) -> None:
    """A holder whose name is as long as real ones get, with two wallets."""
    done = run_central_cli(
        [
            "card",
            "add",
            "--database",
            central.database_url,
            "--card-number",
            "23199999",
            "--dossier-number",
            "3199999",
            "--first-name",
            "Marie-Françoise Geneviève Éléonore",
            "--last-name",
            "DE LA ROCHEFOUCAULD-MONTMORENCY",
            "--password",
            "Demo-3199999",
            "--wallet",
            "MANUEQUIP:15000:2025-07-01:2027-06-30",
            "--wallet",
            "PREMIEREQUIP:30000:2025-07-01:2027-06-30",
        ],
        data_dir=central.data_dir,
    )
    assert done.returncode == 0, done.stderr


def test_the_counter_fits_1366x768_after_every_scenario(central, tmp_path):
    from pos.ui.app import open_terminal

    add_long_named_card(central)
    data = tmp_path / "terminal"
    terminal = open_terminal(data)
    terminal.close()
    xvfb, display = start_xvfb(size="1366x768x24")
    env = {
        **os.environ,
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "PYTHONPATH": os.pathsep.join([str(HERE), str(REPO / "tests"), str(REPO)]),
    }
    try:
        run = subprocess.run(
            [
                sys.executable,
                str(HERE / "fit_1366_scenarios.py"),
                str(data),
                central.url,
                str(SHOTS),
            ],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        xvfb.terminate()
        xvfb.wait(10)
        os.close(xvfb.displayfd)
    lines = [json.loads(x) for x in run.stdout.splitlines() if x.startswith("{")]
    assert [x["scenario"] for x in lines] == SCENARIOS, run.stderr[-3000:]
    first = lines[0]
    assert first["screen"] == [0, 0, 1366, 768]
    assert first["maximized"] and first["size"] == [1366, 768]
    for line in lines:
        x, y, width, height = line["frame"]
        assert x >= 0 and y >= 0 and x + width <= 1366 and y + height <= 768, line
        assert line["size"] == first["size"], line  # nothing grew the window
        assert line["cut"] == [], line
