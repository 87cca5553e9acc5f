"""Issue 13, terminal side: the offline items the service now rejects (`offline_not_allowed`,
`offline_limit_exceeded`) reach the manager as follow-ups with a French sentence, like any
rejection; `payload_too_large` has its sentence too.

The end-to-end case is a real one: the service counts this terminal's offline payments on a card
over `max_age_hours` (API.md 1.1), while the terminal caps what is not yet sent; so a third
offline payment the terminal accepts after two synced ones can come back rejected.
"""

from __future__ import annotations

import json

import pytest

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


def test_an_offline_payment_over_the_service_cap_becomes_a_follow_up(
    central, make_terminal, run_cli
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
    assert third.outcome is Outcome.OFFLINE_QUEUED  # within the terminal's own caps
    t.set_server_url(central.url)
    report = t.sync()
    assert (report.rejected, report.remaining) == (1, 0)
    assert balance(central.url, "23166622", "PREMIEREQUIP") == 30000 - 10000

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
