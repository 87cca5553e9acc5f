"""The `hdf-pos` command line against the real central service: what a cashier or a manager sees
and the exit codes scripts rely on (0 online, 3 queued offline, 2 refused, 1 other)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, time, timedelta

from support.clock import clock_at

from pos.domain import PARIS, business_day
from terminal.helpers import balance, card_qr


def _enroll(run_cli, url, tmp_path, partner="L212"):
    data = tmp_path / "pos"
    code, out, err = run_cli(
        "--data-dir", data, "enroll", "--server", url, "--partner", partner,
        "--label", "Caisse 1", "--password-stdin", stdin=f"Demo-{partner}\n",
    )  # fmt: skip
    assert code == 0, err
    assert "enrôlé" in out
    return data


def test_online_payment_prints_the_receipt(central, run_cli, tmp_path):
    data = _enroll(run_cli, central.url, tmp_path)
    code, out, _ = run_cli("--data-dir", data, "lookup", "23166621")
    assert code == 0
    assert "Jean MARTIN" in out and "Active" in out and "80,00 €" in out
    assert "formation" in out  # the training reminder

    code, out, err = run_cli(
        "--data-dir", data, "pay", "--card", "23166621", "--wallet", "MANUEQUIP",
        "--amount", "12,50", "--reference", "FAC-1",
    )  # fmt: skip
    assert code == 0, err
    for expected in (
        "N° ticket", "N° transaction", "Payé", "23166621", "Jean MARTIN", "LES PAGES",
        "80000 AMIENS", "Manuels et équipements", "12,50 €", "Solde après : 67,50 €", "FAC-1",
    ):  # fmt: skip
        assert expected in out, expected
    assert balance(central.url, "23166621", "MANUEQUIP") == 6750

    code, out, _ = run_cli("--data-dir", data, "transactions", "--json")
    assert code == 0
    items = json.loads(out)
    mine = [t for t in items if t["kind"] == "counter_payment"]
    assert [t["amount_cents"] for t in mine] == [1250]

    # Cancel it: the wallet is credited back.
    code, out, err = run_cli(
        "--data-dir", data, "cancel", mine[0]["transaction_id"], "--reason", "erreur de saisie"
    )
    assert code == 0, err
    assert balance(central.url, "23166621", "MANUEQUIP") == 8000
    code, _, err = run_cli(
        "--data-dir", data, "cancel", mine[0]["transaction_id"], "--reason", "encore"
    )
    assert code == 2 and "déjà annulée" in err

    # Redeem the demo voucher by its ticket number.
    code, out, err = run_cli("--data-dir", data, "redeem", "898564564632")
    assert code == 0, err
    assert "898564564632" in out and "120,00 €" in out and "Jean MARTIN" in out
    code, _, err = run_cli("--data-dir", data, "redeem", "898564564632")
    assert code == 2 and "plus en attente" in err


def test_lookup_says_in_words_why_a_wallet_is_not_usable_here(central, run_cli, tmp_path):
    # LES PAGES accepts MANUEQUIP only: the PREMIEREQUIP wallet is listed with the reason in words.
    data = _enroll(run_cli, central.url, tmp_path)
    code, out, err = run_cli("--data-dir", data, "lookup", "23166622")
    assert code == 0, err
    line = next(li for li in out.splitlines() if "PREMIEREQUIP" in li)
    assert "300,00 €" in line
    assert "non utilisable : non accepté par ce partenaire" in line
    assert "not_accepted" not in out


def test_bad_input_is_a_refusal_and_changes_nothing(central, run_cli, tmp_path):
    data = _enroll(run_cli, central.url, tmp_path)
    cases = [
        (["--amount", "12,345", "--wallet", "MANUEQUIP"], "2 chiffres"),
        (["--amount", "0", "--wallet", "MANUEQUIP"], "supérieur à zéro"),
        (["--amount", "-5", "--wallet", "MANUEQUIP"], "négatif"),
        (["--amount", "douze", "--wallet", "MANUEQUIP"], "pas un nombre"),
        (["--amount", "5", "--wallet", "INCONNU"], "Porte-monnaie inconnu"),
        (["--amount", "500", "--wallet", "MANUEQUIP"], "Solde insuffisant"),
    ]
    for extra, words in cases:
        code, out, err = run_cli("--data-dir", data, "pay", "--card", "23166621", *extra)
        assert code == 2, (extra, out, err)
        assert words in err, (extra, err)
    code, _, err = run_cli("--data-dir", data, "pay", "--card", "2316662", "--amount", "5")
    assert code == 2 and "7 chiffres" in err
    code, _, err = run_cli("--data-dir", data, "pay", "--card", "23166623", "--amount", "5")
    assert code == 2 and "bloquée" in err
    code, _, err = run_cli("--data-dir", data, "pay", "--amount", "5")
    assert code == 2
    code, _, err = run_cli("--data-dir", data, "report", "--date", "hier")
    assert code == 2 and "Date non valable" in err
    assert balance(central.url, "23166621", "MANUEQUIP") == 8000
    code, out, _ = run_cli("--data-dir", data, "journal", "verify")
    assert code == 0 and "0 ligne" in out  # a refusal leaves no trace in the journal


def test_offline_payment_is_queued_then_synced(central, run_cli, tmp_path):
    data = _enroll(run_cli, central.url, tmp_path)
    qr = card_qr(central.url, "23166621")
    central.stop()

    code, out, _ = run_cli("--data-dir", data, "status", "--json")
    assert code == 3
    status = json.loads(out)
    assert status["online"] is False and status["queue"] == 0

    code, out, err = run_cli(
        "--data-dir", data, "pay", "--scan", qr, "--wallet", "MANUEQUIP", "--amount", "20"
    )
    assert code == 3, err
    assert "HORS LIGNE" in out and "20,00 €" in out and "60,00 €" in out  # estimated balance

    code, _, err = run_cli("--data-dir", data, "pay", "--card", "23166621", "--amount", "5")
    assert code == 2 and "QR code" in err  # a typed card number is refused offline

    code, out, _ = run_cli("--data-dir", data, "status", "--json")
    status = json.loads(out)
    assert (code, status["online"], status["queue"]) == (3, False, 1)
    assert status["oldest_queued_at"]

    central.start()
    code, out, err = run_cli("--data-dir", data, "sync", "--once")
    assert code == 0, out + err
    code, out, _ = run_cli("--data-dir", data, "status", "--json")
    status = json.loads(out)
    assert (code, status["online"], status["queue"], status["follow_ups"]) == (0, True, 0, 0)
    assert status["last_sync_at"] and abs(status["clock_drift_seconds"]) < 5
    assert balance(central.url, "23166621", "MANUEQUIP") == 6000

    code, out, _ = run_cli("--data-dir", data, "transactions", "--json")
    offline = [t for t in json.loads(out) if t["offline"]]
    assert len(offline) == 1 and offline[0]["transaction_number"]


def test_close_day_once_and_nothing_added_to_a_closed_day(central, run_cli, tmp_path):
    data = _enroll(run_cli, central.url, tmp_path)
    today = business_day()
    run_cli(
        "--data-dir", data, "pay", "--card", "23166621", "--wallet", "MANUEQUIP", "--amount", "10"
    )
    # The running day does not close (tests/terminal/test_closed_day.py): the next morning does.
    code, _, err = run_cli("--data-dir", data, "close-day", "--date", today.isoformat())
    assert code == 2 and "en cours" in err
    morning = datetime.combine(today + timedelta(days=1), time(9), tzinfo=PARIS)
    with clock_at(morning):
        code, out, _ = run_cli("--data-dir", data, "close-day")
        assert code == 0 and "1 opération" in out and "10,00 €" in out
        code, _, err = run_cli("--data-dir", data, "close-day", "--date", today.isoformat())
        assert code == 2 and "déjà clôturée" in err

    code, out, _ = run_cli(
        "--data-dir", data, "report", "--date", today.isoformat(), "--format", "json"
    )
    report = json.loads(out)
    assert report["closed"] and report["count"] == 1 and report["net_amount_cents"] == 1000

    code, out, _ = run_cli(
        "--data-dir", data, "report", "--date", today.isoformat(), "--format", "csv"
    )
    assert code == 0 and out.splitlines()[0].startswith("date;n_transaction")
    code, out, _ = run_cli("--data-dir", data, "journal", "verify")
    assert code == 0


def test_console_entry_point_runs_and_says_when_not_enrolled(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "pos", "--data-dir", str(tmp_path / "x"), "status", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["enrolled"] is False
