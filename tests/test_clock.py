"""The shared clock (hdf_common/clock.py): set in a process, passed to the processes it starts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from support.clock import clock_at

from hdf_common import clock

REPO = Path(__file__).resolve().parents[1]


def _child(code: str, setting: str | None) -> str:
    env = {**os.environ, clock.ENV_VAR: setting or ""}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_set_clock_ticks_from_its_instant_and_says_the_paris_day():
    with clock_at("2027-03-28T00:30:00+01:00"):
        first = clock.now()
        assert first.tzinfo is UTC
        assert datetime(2027, 3, 27, 23, 30, tzinfo=UTC) <= first
        assert (first - datetime(2027, 3, 27, 23, 30, tzinfo=UTC)).total_seconds() < 1
        assert clock.today() == date(2027, 3, 28)  # UTC is still on the 27th
        time.sleep(0.05)
        assert clock.now() > first  # it ticks


def test_a_started_process_reads_the_same_clock_to_the_millisecond():
    with clock_at("2026-12-31T23:30:00+01:00") as setting:
        # Offsets from the real clock, compared: process start-up time does not enter into it.
        ours = clock.timestamp() - time.time()
        code = "import time; from hdf_common import clock; print(clock.timestamp() - time.time())"
        theirs = float(_child(code, setting))
    assert abs(theirs - ours) < 0.001


def test_an_unanchored_setting_reads_the_instant_when_the_process_starts():
    code = "from hdf_common import clock; print(clock.now().isoformat())"
    seen = datetime.fromisoformat(_child(code, "2026-10-25T00:30:00+02:00"))
    assert 0 <= (seen - datetime(2026, 10, 24, 22, 30, tzinfo=UTC)).total_seconds() < 5
    real = datetime.fromisoformat(_child(code, None))  # empty: the real clock
    assert abs((real - datetime.now(UTC)).total_seconds()) < 30  # the real one, on purpose


@pytest.mark.parametrize(
    "bad", ["demain", "2026-12-31T23:30:00", "2026-12-31T23:30:00+01:00@hier", "2026-13-01Z"]
)
def test_a_bad_setting_is_refused_with_a_clear_message(bad):
    with pytest.raises(clock.ClockSettingError, match="réglage d'horloge non valable"):
        clock.parse_setting(bad)
    done = subprocess.run(
        [sys.executable, "-m", "central", "serve", "--clock", bad],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "réglage d'horloge non valable" in done.stderr


def test_the_terminal_refuses_a_bad_clock_setting(capsys):
    from pos import cli

    assert cli.main(["--clock", "2026-12-31 23:30", "status"]) != 0
    assert "réglage d'horloge non valable" in capsys.readouterr().err
