"""The terminal's daybook (transactions of the day, closing, report) is the Paris business day, at
the hours where naive code is wrong.

The terminal (this process) and the central service it talks to (started with `--clock`) read the
same set clock. At 00:30 Paris on a DST night, UTC is still on the previous day; at 23:30 Paris on
New Year's Eve, a fixed UTC+2 is already in the next year (tests/central_unit/test_business_days.py
has the same instants for the service).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, time, timedelta

import pytest
from support.central_server import start_central
from support.clock import DST_AUTUMN_NIGHT, DST_SPRING_NIGHT, NEW_YEARS_EVE, anchored, clock_at

from hdf_common import clock
from pos.domain import parse_instant

from .test_cli_flows import _enroll


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        pytest.param(DST_SPRING_NIGHT, date(2027, 3, 28), id="dst-spring-0030"),
        pytest.param(DST_AUTUMN_NIGHT, date(2026, 10, 25), id="dst-autumn-0030"),
        pytest.param(NEW_YEARS_EVE, date(2026, 12, 31), id="new-years-eve-2330"),
    ],
)
def test_the_daybook_is_the_paris_day(instant, day, run_cli, tmp_path):
    # Catches, in the terminal: a business day taken as the UTC date (DST nights: the payment is
    # booked, listed, closed and reported on the day before), as a fixed UTC+1 (autumn night)
    # or as a fixed UTC+2 (New Year's Eve: booked on 1 January 2027).
    setting = anchored(instant)
    with (
        clock_at(setting),
        start_central(data_dir=tmp_path / "central", extra_args=["--clock", setting]) as central,
    ):
        assert clock.today() == day  # the test's own reckoning, not the terminal's
        data = _enroll(run_cli, central.url, tmp_path)
        code, out, err = run_cli(
            "--data-dir", data, "pay", "--card", "23166621", "--wallet", "MANUEQUIP",
            "--amount", "10",
        )  # fmt: skip
        assert code == 0, out + err

        # Transactions of the day (the default day), as the service lists them.
        code, out, _ = run_cli("--data-dir", data, "transactions", "--json")
        mine = [t for t in json.loads(out) if t["kind"] == "counter_payment"]
        assert code == 0 and [t["amount_cents"] for t in mine] == [1000]
        assert clock.business_day(parse_instant(mine[0]["occurred_at"])) == day

        # The day closes once it is over (tests/terminal/test_closed_day.py): the next morning,
        # by the terminal's clock, the default day of a closing is this one.
        with clock_at(datetime.combine(day + timedelta(days=1), time(9), tzinfo=clock.PARIS)):
            code, out, _ = run_cli("--data-dir", data, "close-day")
        assert code == 0 and f"Journée du {day:%d/%m/%Y} clôturée : 1 opération(s)." in out

        code, out, _ = run_cli(
            "--data-dir", data, "report", "--date", day.isoformat(), "--format", "json"
        )
        report = json.loads(out)
        assert report["closed"] and report["count"] == 1 and report["net_amount_cents"] == 1000
        with sqlite3.connect(data / "terminal.db") as db:
            days = {r[0] for r in db.execute("SELECT day FROM journal WHERE type = 'payment'")}
        assert days == {day.isoformat()}
