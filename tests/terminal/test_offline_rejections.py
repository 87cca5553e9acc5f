"""Issue 13, terminal side: the offline items the service now rejects (`offline_not_allowed`,
`offline_limit_exceeded`) reach the manager as follow-ups with a French sentence, like any
rejection; `payload_too_large` has its sentence too.

The service counts this terminal's offline payments on a card over `max_age_hours` (API.md 1.1):
the terminal counts them the same way, so an honest terminal is not rejected for it. What it cannot
know is a cap the administrator lowered after its last contact: that payment comes back rejected.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, text

from pos.messages import refusal_message
from pos.terminal import Outcome
from terminal.helpers import balance, card_qr, dead_url

CODES = ("offline_not_allowed", "offline_limit_exceeded", "payload_too_large")


@pytest.mark.parametrize("code", CODES)
def test_each_new_code_has_its_own_french_sentence(code: str) -> None:
    sentence = refusal_message(code)
    assert code not in sentence  # not the generic "Opération refusée (code)."
    assert sentence.endswith(".") and sentence[0].isupper()
    assert len({refusal_message(c) for c in CODES}) == len(CODES)


def test_the_terminal_counts_a_cards_offline_total_as_the_service_does(
    central, make_terminal
) -> None:
    t = make_terminal(central.url, partner="E305")
    qr = card_qr(central.url, "23166622")  # PREMIEREQUIP 300,00 €
    for amount in (5000, 5000):  # 100,00 €: the card's offline total, sent in two goes
        t.set_server_url(dead_url())
        assert t.pay(scan=qr, wallet_code="PREMIEREQUIP", amount_cents=amount).ok
        t.set_server_url(central.url)
        assert t.sync().applied == 1
    t.set_server_url(dead_url())
    third = t.pay(scan=qr, wallet_code="PREMIEREQUIP", amount_cents=1000)
    assert not third.ok and third.refusal is not None
    assert third.refusal.code == "offline_over_card_total"  # said at the counter, not later
    assert t.status().queue == 0
    t.set_server_url(central.url)
    assert balance(central.url, "23166622", "PREMIEREQUIP") == 30000 - 10000


def test_an_offline_payment_over_the_service_cap_becomes_a_follow_up(
    central, make_terminal, run_cli
) -> None:
    t = make_terminal(central.url, partner="E305")
    qr = card_qr(central.url, "23166622")  # PREMIEREQUIP 300,00 €
    t.set_server_url(dead_url())
    queued = t.pay(scan=qr, wallet_code="PREMIEREQUIP", amount_cents=1000)
    assert queued.outcome is Outcome.OFFLINE_QUEUED  # within the caps the terminal knows
    # Meanwhile the region lowers the partner's offline cap (no command for it: its table).
    engine = create_engine(central.database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE partners SET max_card_total_cents = 500 WHERE code = 'E305'"))
    engine.dispose()
    t.set_server_url(central.url)
    report = t.sync()
    assert (report.rejected, report.remaining) == (1, 0)
    assert balance(central.url, "23166622", "PREMIEREQUIP") == 30000

    (follow_up,) = t.follow_ups()
    assert (follow_up.code, follow_up.amount_cents, follow_up.card_number) == (
        "offline_limit_exceeded",
        1000,
        "23166622",
    )
    assert follow_up.message == refusal_message("offline_limit_exceeded")
    assert "plafond hors ligne dépassé" in follow_up.message
    assert t.status().follow_ups == 1

    data = str(t.data_dir)
    t.close()
    code, out, _ = run_cli("--data-dir", data, "follow-ups")
    assert code == 0 and "plafond hors ligne dépassé" in out, out
    code, out, _ = run_cli("--data-dir", data, "status", "--json")
    assert json.loads(out)["follow_ups"] == 1
