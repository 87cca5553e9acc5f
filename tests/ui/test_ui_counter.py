"""The counter, clicked for real against the demo central service over HTTP.

Scan by simulated wedge key events → card shown → pay → receipt; a blocked card; a voucher
redeemed; an online payment cancelled with the manager PIN; the day closed and exported.
"""

from __future__ import annotations

import pytest
from conftest import shot
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from ui_harness import DEMO_PIN, open_counter

from pos.ui import receipts
from pos.ui.counter import CounterScreen

WAIT_MS = 15000


@pytest.fixture
def ui(central, tmp_path, qtbot, qapp):
    c = open_counter(qapp, tmp_path / "terminal", central.url)
    qtbot.addWidget(c.window)
    qtbot.waitExposed(c.window)
    c.window.activateWindow()
    yield c
    c.close(qapp)


def wedge_scan(qtbot, text: str) -> None:
    """What a USB scanner does: the characters a few ms apart, then Enter, into the focus."""
    target = QApplication.focusWidget() or QApplication.activeWindow()
    QTest.keyClicks(target, text)
    QTest.keyClick(QApplication.focusWidget() or target, Qt.Key.Key_Return)


def type_number(counter: CounterScreen, text: str) -> None:
    counter.input.setFocus()
    QTest.keyClicks(counter.input, text, delay=60)  # a person typing: not a scan burst
    QTest.keyClick(counter.input, Qt.Key.Key_Return)


def test_wedge_scan_from_another_tab_shows_the_card_then_pay_and_receipt(ui, qtbot, tmp_path):
    w, counter = ui.window, ui.counter
    shot(w, "01-counter-idle")
    w.tabs.setCurrentWidget(w.transactions)
    w.transactions.search.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.transactions.search)

    wedge_scan(qtbot, "23166621")
    qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.CARD, timeout=WAIT_MS)
    assert w.tabs.currentWidget() is counter
    assert w.transactions.search.text() == ""  # the burst was taken back out of the field
    assert counter.card_panel.name.text() == "Jean MARTIN"
    assert counter.card_panel.status.text() == "Carte active"
    assert "80,00" in counter.card_panel.wallet_tiles[0].balance.text()
    assert counter.pay_panel.selected_wallet() == "MANUEQUIP"  # the only usable one
    qtbot.waitUntil(lambda: not counter.card_panel.photo.pixmap().isNull(), timeout=WAIT_MS)
    shot(w, "02-card")

    # A wrong amount is explained and changes nothing.
    QTest.keyClicks(counter.pay_panel.amount, "12,505", delay=60)
    QTest.keyClick(counter.pay_panel.amount, Qt.Key.Key_Return)
    assert "2 chiffres après la virgule" in counter.pay_panel.error.text()
    counter.pay_panel.amount.clear()
    QTest.keyClicks(counter.pay_panel.amount, "12,50", delay=60)
    QTest.keyClick(counter.pay_panel.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.RESULT, timeout=WAIT_MS)
    assert counter.result.title.text() == "Paiement accepté"
    assert "Solde après : 67,50" in counter.result.detail.text()
    assert "Transaction n° " in counter.result.detail.text()
    assert ui.services.sounds.played[-1] == "success"
    shot(w, "03-paid")

    QTest.keyClick(counter, Qt.Key.Key_F6)
    pdf = ui.services.settings.receipts_dir() / f"recu-{counter.receipt.transaction_number}.pdf"
    qtbot.waitUntil(pdf.exists, timeout=WAIT_MS)
    assert pdf.read_bytes().startswith(b"%PDF")

    from escpos.printer import Dummy

    printer = Dummy()
    receipts.escpos_print(printer, counter.receipt)
    data = printer.output
    assert counter.receipt.transaction_number.encode() in data
    assert b"23166621" in data and b"MARTIN" in data and b"12,50" in data and b"67,50" in data
    assert data.endswith(b"\x1dV\x00")  # the paper is cut

    QTest.keyClick(counter.result.next, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.IDLE)


def test_auto_print_prints_the_receipt_of_each_accepted_payment(ui, qtbot):
    # "Imprimer le reçu automatiquement" (printer kind: PDF file): no F6 needed.
    from pos.settings import AUTO_PRINT

    counter = ui.counter
    ui.services.settings.set(AUTO_PRINT, True)
    type_number(counter, "23166621")
    qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.CARD, timeout=WAIT_MS)
    QTest.keyClicks(counter.pay_panel.amount, "2,00", delay=60)
    QTest.keyClick(counter.pay_panel.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.RESULT, timeout=WAIT_MS)
    assert counter.result.title.text() == "Paiement accepté"
    pdf = ui.services.settings.receipts_dir() / f"recu-{counter.receipt.transaction_number}.pdf"
    qtbot.waitUntil(pdf.exists, timeout=WAIT_MS)
    assert pdf.read_bytes().startswith(b"%PDF")


def test_blocked_card_is_refused_in_words(ui, qtbot):
    counter = ui.counter
    type_number(counter, "23166623")
    qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.CARD, timeout=WAIT_MS)
    assert counter.card_panel.status.text() == "Carte en opposition : paiement refusé"
    assert not counter.pay_panel.pay.isEnabled()
    assert ui.services.sounds.played[-1] == "refusal"
    shot(ui.window, "04-card-blocked")
    QTest.keyClick(counter, Qt.Key.Key_Escape)
    assert counter.pages.currentIndex() == counter.IDLE

    type_number(counter, "99999999")
    qtbot.waitUntil(lambda: counter.message.isVisible(), timeout=WAIT_MS)
    assert "Carte inconnue" in counter.message.text()
    shot(ui.window, "05-card-unknown")


def test_voucher_is_redeemed(ui, qtbot):
    counter = ui.counter
    wedge_scan(qtbot, "898564564632")
    qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.VOUCHER, timeout=WAIT_MS)
    panel = counter.voucher_panel
    assert panel.status.text() == "Prépaiement en attente"
    assert "120,00" in panel.fields["amount"].text()
    assert panel.fields["holder"].text() == "Jean MARTIN"
    shot(ui.window, "06-voucher")
    QTest.keyClick(panel.redeem, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.RESULT, timeout=WAIT_MS)
    assert counter.result.title.text() == "Prépaiement encaissé"
    shot(ui.window, "07-voucher-redeemed")

    # The same ticket again: refused, in words.
    QTest.keyClick(counter.result.next, Qt.Key.Key_Return)
    wedge_scan(qtbot, "898564564632")
    qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.VOUCHER, timeout=WAIT_MS)
    assert panel.status.text() == "Prépaiement encaissé"
    assert "plus en attente" in panel.why.text()
    assert not panel.redeem.isEnabled()


def test_online_payment_cancelled_with_the_manager_pin(ui, qtbot):
    w = ui.window
    w.tabs.setCurrentWidget(w.transactions)
    panel = w.transactions
    qtbot.waitUntil(lambda: any(r.kind == "online_payment" for r in panel.items), timeout=WAIT_MS)
    row = next(i for i, r in enumerate(panel.items) if r.kind == "online_payment")
    assert panel.table.item(row, 2).text() == "Extranet bénéficiaire"
    shot(w, "08-transactions")
    assert not panel.cancel_button.isEnabled()  # nothing chosen yet
    panel.table.selectRow(row)
    assert panel.cancel_button.isEnabled()

    ui.prompts.push("Erreur", "0000")  # the reason, then a wrong PIN: nothing happens
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: any(a[0] == "warn" for a in ui.prompts.asked), timeout=WAIT_MS)
    assert ("warn", "Code gérant", "Code gérant incorrect.") in ui.prompts.asked

    ui.prompts.push("Commande annulée par le client", DEMO_PIN)
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: "annulée" in panel.note.text(), timeout=WAIT_MS)
    assert "35,00" in panel.note.text()
    qtbot.waitUntil(lambda: any(r.kind == "cancellation" for r in panel.items), timeout=WAIT_MS)
    shot(w, "09-cancelled")
    for i, r in enumerate(panel.items):  # a cancelled line or a cancellation cannot be cancelled
        panel.table.selectRow(i)
        assert panel.cancel_button.isEnabled() == (
            r.status != "cancelled" and r.kind != "cancellation"
        ), r

    w.tabs.setCurrentWidget(ui.counter)
    type_number(ui.counter, "23166622")
    qtbot.waitUntil(lambda: ui.counter.pages.currentIndex() == ui.counter.CARD, timeout=WAIT_MS)
    manuequip = next(t for t in ui.counter.card_panel.wallet_tiles if t.code == "MANUEQUIP")
    assert "150,00" in manuequip.balance.text()  # credited back
