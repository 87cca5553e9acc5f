"""The suite's clock: one instant for the whole session, here and in every process it starts.

The suite never reads the wall clock's date or time of day: `tests/conftest.py` sets the shared
clock (hdf_common.clock) to DEFAULT_INSTANT, or to HDF_TEST_CLOCK when set, and exports the anchored
setting as HDF_CLOCK, which the central services and terminals the tests start read at import.
It then ticks in real time, so durations, timeouts and token lifetimes behave as in a shop.

    HDF_TEST_CLOCK=2026-12-31T23:30:00+01:00 ./test.sh    # the whole suite on New Year's Eve
    HDF_TEST_CLOCK=real ./test.sh                         # on the real clock

A test about a given hour sets its own instant with `clock_at(...)` (and passes the setting it
yields to the service it starts: `start_central(env=clock_env(setting))`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from hdf_common import clock

TEST_CLOCK_VAR = "HDF_TEST_CLOCK"
# A Tuesday morning of winter time, in the middle of a school year; nothing special about it.
DEFAULT_INSTANT = "2026-11-24T10:00:00+01:00"

# Hours that break naive business-day code (see tests/central_unit/test_business_days.py).
DST_SPRING_NIGHT = "2027-03-28T00:30:00+01:00"  # = 2027-03-27T23:30Z: UTC is still on the 27th
DST_AUTUMN_NIGHT = "2026-10-25T00:30:00+02:00"  # = 2026-10-24T22:30Z: so is UTC, and UTC+1
NEW_YEARS_EVE = "2026-12-31T23:30:00+01:00"  # = 22:30Z; a fixed UTC+2 ("summer time") says 2027


def install_session_clock() -> str | None:
    """Set this process's clock and HDF_CLOCK for the session; the setting, None if real."""
    wanted = os.environ.get(TEST_CLOCK_VAR, "").strip() or DEFAULT_INSTANT
    if wanted.lower() == "real":
        clock.reset_clock()
        os.environ.pop(clock.ENV_VAR, None)
        return None
    clock.set_clock(wanted)
    setting = clock.setting()
    assert setting is not None
    os.environ[clock.ENV_VAR] = setting
    return setting


def anchored(instant: str) -> str:
    """The setting that makes a clock read `instant` now (give the same to a test and to the
    service it starts: they then agree to the millisecond)."""
    return f"{clock.parse_setting(instant)[0].isoformat()}@{time.time():.6f}"


def clock_env(setting: str | None) -> dict[str, str]:
    """The environment entry that gives a started process this clock setting."""
    return {clock.ENV_VAR: setting or ""}


@contextmanager
def clock_at(instant: str | datetime) -> Iterator[str]:
    """This process's clock reads `instant` now and ticks; yields the anchored setting for the
    processes started meanwhile. The session's clock comes back afterwards (same anchor)."""
    previous = clock.setting()
    clock.set_clock(instant)
    setting = clock.setting()
    assert setting is not None
    try:
        yield setting
    finally:
        if previous is None:
            clock.reset_clock()
        else:
            clock.set_clock(previous)
