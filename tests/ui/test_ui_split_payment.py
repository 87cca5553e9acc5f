"""A refusal keeps the card (issue 12): an amount over the wallet's known balance is caught before
anything is sent, the available balance is shown and the split is one key away; the same when
the service refuses `insufficient_funds` (the balance changed meanwhile). The result page shows
the amount, the holder and the photo large, with a line for the customer and the rest to pay."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from escpos.printer import Dummy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from ui_harness import open_counter

from pos.money import AmountError, parse_amount
from pos.results import CardView, WalletView
from pos.terminal import Terminal
from pos.ui import receipts
from pos.ui.counter_panels import PayPanel

WAIT_MS = 15000
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "ui-counter"


@pytest.fixture
def ui(central, tmp_path, qtbot, qapp):
    c = open_counter(qapp, tmp_path / "terminal", central.url)
    qtbot.addWidget(c.window)
    qtbot.waitExposed(c.window)
    yield c
    c.close(qapp)


def shot(widget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SHOTS / f"{name}.png"))


def show_card(ui, qtbot, number: str, wallet: str = "MANUEQUIP") -> None:
    counter = ui.counter
    counter.input.setFocus()
    QTest.keyClicks(counter.input, number, delay=60)
    QTest.keyClick(counter.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.CARD, timeout=WAIT_MS)
    button = next(
        b for b in counter.pay_panel.group.buttons() if b.property("wallet_code") == wallet
    )
    button.setChecked(True)
    counter.pay_panel.amount.setFocus()


def type_amount(ui, text: str) -> None:
    amount = ui.counter.pay_panel.amount
    amount.selectAll()
    QTest.keyClicks(amount, text, delay=60)
    QTest.keyClick(amount, Qt.Key.Key_Return)


def payments(ui) -> list:
    return [t for t in ui.terminal.transactions() if t.kind == "counter_payment"]


def test_over_the_known_balance_the_card_stays_and_the_split_is_one_key_away(ui, qtbot):
    counter, pay = ui.counter, ui.counter.pay_panel
    show_card(ui, qtbot, "23166621")  # 80,00 € on Manuels et équipements
    type_amount(ui, "35,00")
    qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.RESULT, timeout=WAIT_MS)
    QTest.keyClick(counter.result.next, Qt.Key.Key_Return)

    show_card(ui, qtbot, "23166621")  # 45,00 € left
    qtbot.waitUntil(lambda: not counter.card_panel.photo.pixmap().isNull(), timeout=WAIT_MS)
    type_amount(ui, "80,00")
    assert counter.pages.currentIndex() == counter.CARD  # the card stays
    assert "Solde disponible : 45,00\u00a0€" in pay.error.text()
    assert pay.split.isVisible() and not pay.pay.isVisible()
    assert pay.split.text() == (
        "Débiter 45,00\u00a0€ —\nreste à payer en caisse : 35,00\u00a0€ (Entrée)"
    )
    assert len(payments(ui)) == 1  # checked before sending: nothing sent
    shot(ui.window, "split-offered")

    # Editing the amount withdraws the offer; typing it again offers it again.
    QTest.keyClick(pay.amount, Qt.Key.Key_Backspace)
    assert not pay.split.isVisible() and pay.pay.isVisible()
    type_amount(ui, "80,00")
    assert pay.split.isVisible()

    QTest.keyClick(pay.amount, Qt.Key.Key_Return)  # one key: the split
    qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.RESULT, timeout=WAIT_MS)
    result = counter.result
    assert result.title.text() == "Paiement accepté"
    assert result.amount.text() == "45,00\u00a0€"
    assert result.holder.text() == "Jean MARTIN"
    assert result.photo.isVisible() and not result.photo.pixmap().isNull()
    assert result.rest.text() == "Reste à payer en caisse : 35,00\u00a0€"
    assert result.customer.text() == (
        "Paiement accepté — 45,00\u00a0€ sur Manuels et équipements. "
        "Reste à payer en caisse : 35,00\u00a0€"
    )
    assert "Solde après : 0,00" in result.detail.text()
    shot(ui.window, "split-paid")
    assert [p.amount_cents for p in payments(ui)] == [4500, 3500]

    lines = dict(receipts.receipt_text(counter.receipt).lines)
    assert lines["Montant"] == "45,00 €" and lines["Reste à payer en caisse"] == "35,00 €"
    printer = Dummy()
    receipts.escpos_print(printer, counter.receipt)
    assert re.search(rb"Reste \S+ payer en caisse : 35,00", printer.output)


def test_a_service_refusal_for_funds_keeps_the_card_with_its_fresh_balance(
    ui, qtbot, central, tmp_path
):
    counter, pay = ui.counter, ui.counter.pay_panel
    show_card(ui, qtbot, "23166622")  # 115,00 € on Manuels et équipements, as shown
    # Meanwhile another till of the shop takes 100,00 € from that wallet.
    other = Terminal.open(tmp_path / "other-till")
    try:
        other.enroll(server_url=central.url, partner_code="L212", password="Demo-L212", label="2")
        assert other.pay(scan="23166622", wallet_code="MANUEQUIP", amount_cents=10000).ok
    finally:
        other.close()

    type_amount(ui, "50,00")  # under the balance shown: sent, and refused by the service
    qtbot.waitUntil(lambda: pay.split.isVisible(), timeout=WAIT_MS)
    assert counter.pages.currentIndex() == counter.CARD
    assert "Solde insuffisant" in pay.error.text()
    assert "Solde disponible : 15,00\u00a0€" in pay.error.text()
    tile = next(t for t in counter.card_panel.wallet_tiles if t.code == "MANUEQUIP")
    assert "15,00" in tile.balance.text()  # read again
    assert pay.split.text() == (
        "Débiter 15,00\u00a0€ —\nreste à payer en caisse : 35,00\u00a0€ (Entrée)"
    )
    assert ui.services.sounds.played[-1] == "refusal"
    shot(ui.window, "split-after-service-refusal")
    qtbot.mouseClick(pay.split, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.RESULT, timeout=WAIT_MS)
    assert counter.result.rest.text() == "Reste à payer en caisse : 35,00\u00a0€"
    assert counter.receipt.amount_cents == 1500
    assert counter.receipt.to_pay_at_till_cents == 3500


# -- whatever is typed: never more than the wallet holds, never a cent lost in a split ---------

TYPED = st.one_of(
    st.text(max_size=14),
    st.from_regex(r"[0-9 ]{1,7}([,.][0-9]{0,3})?( ?€)?", fullmatch=True),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(typed=TYPED, balance=st.integers(min_value=0, max_value=500_000))
def test_the_pay_panel_never_asks_more_than_the_balance(qtbot, typed, balance):
    panel = PayPanel()
    qtbot.addWidget(panel)
    wallet = WalletView("MANUEQUIP", "Manuels et équipements", balance, None, None, True)
    panel.set_card(CardView("23166621", "active", "", "Jean", "MARTIN", (wallet,)))
    asked: list[tuple] = []
    panel.pay_requested.connect(lambda code, cents: asked.append(("pay", code, cents, 0)))
    panel.split_requested.connect(lambda code, c, rest: asked.append(("split", code, c, rest)))
    panel.amount.setText(typed)
    panel.confirm()
    panel.confirm()  # Enter again: takes the split when one is offered
    try:
        cents = parse_amount(typed)
    except AmountError:
        assert asked == [] and panel.error.text()  # a clear message, nothing asked
        return
    if cents <= balance:
        assert asked[0] == ("pay", "MANUEQUIP", cents, 0)
    elif balance == 0:
        assert asked == [] and "0,00" in panel.error.text()
    else:
        assert asked == [("split", "MANUEQUIP", balance, cents - balance)]


def test_offline_over_the_qr_balance_the_card_stays_with_what_is_left(tmp_path, qtbot, qapp):
    """Offline, the known balance is the signed QR's less what this terminal took: when it
    changed after the card was shown, the offline rules' refusal keeps the card too."""
    from support.central_server import start_central
    from ui_harness import card_qr

    with start_central(data_dir=tmp_path / "central") as central:
        ui = open_counter(qapp, tmp_path / "terminal", central.url)
        try:
            w, counter, pay = ui.window, ui.counter, ui.counter.pay_panel
            qtbot.addWidget(w)
            qtbot.waitExposed(w)
            qr = card_qr(central.url, "23166621", "Demo-3116960")  # 80,00 € signed
            central.stop()
            qtbot.waitUntil(lambda: w.status_bar.online is False, timeout=15000)
            counter.handle_scan(qr)
            qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.CARD, timeout=5000)
            assert counter.card_panel.offline_note.isVisible()
            assert "80,00" in counter.card_panel.wallet_tiles[0].balance.text()
            # Meanwhile 40,00 € of it is taken offline on this terminal (the card still shown).
            taken = ui.terminal.pay(scan=qr, wallet_code="MANUEQUIP", amount_cents=4000)
            assert taken.ok and taken.receipt.offline

            type_amount(ui, "45,00")  # under the 80,00 € shown: refused by the offline rules
            qtbot.waitUntil(lambda: pay.split.isVisible(), timeout=5000)
            assert counter.pages.currentIndex() == counter.CARD
            assert "Solde disponible : 40,00\u00a0€" in pay.error.text()
            assert pay.split.text() == (
                "Débiter 40,00\u00a0€ —\nreste à payer en caisse : 5,00\u00a0€ (Entrée)"
            )
            shot(w, "split-offline-refusal")
            QTest.keyClick(pay.amount, Qt.Key.Key_Return)
            qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.RESULT, timeout=5000)
            assert counter.result.title.text() == "Accepté hors ligne"
            assert counter.receipt.amount_cents == 4000
            assert counter.receipt.to_pay_at_till_cents == 500
            assert counter.result.customer.text() == (
                "Paiement accepté (hors ligne) — 40,00\u00a0€ sur Manuels et équipements. "
                "Reste à payer en caisse : 5,00\u00a0€"
            )
        finally:
            ui.close(qapp)
