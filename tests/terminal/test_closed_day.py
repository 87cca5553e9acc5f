"""A closed day's figures on the terminal and on the central statement agree, for good (issue 12,
item 2). The rule (pos/daybook.py, docs/TERMINAL.md): an operation belongs to the Paris day of its
instant, as on the statement; a day closes only once it is over (from 00:05 the next day).

The service is restarted on the same database with a later clock to cross midnight; the terminal
(this process) reads the test's clock.
"""

from __future__ import annotations

import json
from datetime import date

from support.central_server import start_central
from support.clock import anchored, clock_at

from .test_cli_flows import _enroll

EVENING = "2026-11-24T21:30:00+01:00"
JUST_AFTER_MIDNIGHT = "2026-11-25T00:02:00+01:00"  # the day is over, not yet closable
NEXT_MORNING = "2026-11-25T09:00:00+01:00"
DAY = date(2026, 11, 24)


def _pay(run_cli, data, amount: str) -> None:
    code, out, err = run_cli(
        "--data-dir", data, "pay", "--card", "23166621", "--wallet", "MANUEQUIP", "--amount", amount
    )  # fmt: skip
    assert code == 0, out + err


def _report(run_cli, data, day: date) -> dict:
    code, out, err = run_cli(
        "--data-dir", data, "report", "--date", day.isoformat(), "--format", "json"
    )
    assert code == 0, err
    return json.loads(out)


def _restart_at(central, setting: str) -> None:
    """The same service (port, database) with its clock set to `setting`."""
    central.stop()
    central.extra_args = ["--clock", setting]
    central.start()


def _reconciles(run_cli, data, day: date) -> str:
    code, out, err = run_cli("--data-dir", data, "reconcile", "--date", day.isoformat())
    assert code == 0, out + err  # 0: concordant
    return out


def test_a_payment_after_the_closing_never_changes_the_closed_day(run_cli, tmp_path):
    # Before the rule: the day was closed in the evening, a payment followed; the terminal filed
    # it on the next day, the service on the closed one, and the closed day stayed red for good.
    evening = anchored(EVENING)
    with (
        start_central(data_dir=tmp_path / "central", extra_args=["--clock", evening]) as central,
        clock_at(evening),
    ):
        data = _enroll(run_cli, central.url, tmp_path)
        _pay(run_cli, data, "10")
        # The running day cannot be closed: the manager is told why, nothing is recorded.
        code, out, err = run_cli("--data-dir", data, "close-day", "--date", DAY.isoformat())
        assert code != 0 and "en cours" in err and "0 h 05" in err, out + err
        assert not _report(run_cli, data, DAY)["closed"]
        _pay(run_cli, data, "1")  # the evening goes on: this payment is the day's
        _reconciles(run_cli, data, DAY)

        night = anchored(JUST_AFTER_MIDNIGHT)
        _restart_at(central, night)
        with clock_at(night):
            code, _, err = run_cli("--data-dir", data, "close-day", "--date", DAY.isoformat())
            assert code != 0 and "en cours" in err  # an answer may still be on its way

        morning = anchored(NEXT_MORNING)
        _restart_at(central, morning)
        with clock_at(morning):
            code, out, err = run_cli("--data-dir", data, "close-day")  # default: the last day over
            assert code == 0, out + err
            assert "Journée du 24/11/2026 clôturée : 2 opération(s)." in out
            assert "Total du jour : 11,00" in out
            _pay(run_cli, data, "1")  # after the closing: the next day's, on both sides
            for day in (DAY, date(2026, 11, 25)):
                _reconciles(run_cli, data, day)
            report = _report(run_cli, data, DAY)
            assert report["closed"] and (report["count"], report["net_amount_cents"]) == (2, 1100)
            assert _report(run_cli, data, date(2026, 11, 25))["net_amount_cents"] == 100


def test_a_payment_at_midnight_is_the_day_of_the_service_instant(run_cli, tmp_path):
    # The terminal's clock is a minute ahead (under the 2-minute drift warning): the service
    # books the payment at 23:59:30, the terminal writes it in its journal at 00:00:30. The
    # terminal's books follow the operation's instant, as the statement does; before, the
    # journal's day put it on the 25th and the 24th differed for good.
    central_dir = tmp_path / "central"
    central_clock = anchored("2026-11-24T23:59:30+01:00")
    with start_central(data_dir=central_dir, extra_args=["--clock", central_clock]) as c:
        with clock_at(anchored("2026-11-25T00:00:30+01:00")):
            data = _enroll(run_cli, c.url, tmp_path)
            _pay(run_cli, data, "7")
            assert _report(run_cli, data, DAY)["net_amount_cents"] == 700
            assert _report(run_cli, data, date(2026, 11, 25))["count"] == 0
            out = _reconciles(run_cli, data, DAY)
            assert "1 opération(s), 7,00" in out
            _reconciles(run_cli, data, date(2026, 11, 25))
