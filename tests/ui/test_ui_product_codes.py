"""Issue 12, book barcodes: a product's code scanned while a card is open keeps the card, says it
is a product's code and may go into the payment's reference; a card number or a ticket number is
never taken for a product, nor a product for either."""

from __future__ import annotations

import test_ui_counter
from conftest import SHOTS
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from test_ui_counter import WAIT_MS, type_number, wedge_scan

from pos.scan import ScanKind, parse_scan
from pos.ui.product_codes import REFERENCE_MAX

ui = test_ui_counter.ui  # the counter's fixture: real windows on a fresh enrolled terminal
ISBN = "9782070612758"
SHOTS_DIR = SHOTS.parent / "ui-scan"


def open_card(qtbot, counter, number="23166621"):
    type_number(counter, number)
    qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.CARD, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is counter.pay_panel.amount)


def test_a_book_scanned_while_a_card_is_open_keeps_the_card_and_goes_in_the_reference(ui, qtbot):
    counter = ui.counter
    open_card(qtbot, counter)
    QTest.keyClicks(counter.pay_panel.amount, "5,00", delay=60)  # the cashier has typed
    wedge_scan(qtbot, ISBN)  # then scans the book, into the amount field
    qtbot.waitUntil(lambda: counter.products.isVisible(), timeout=WAIT_MS)
    assert counter.pages.currentIndex() == counter.CARD
    assert counter.card_panel.name.text() == "Jean MARTIN"
    assert counter.products.message.text() == f"Code produit {ISBN} : la carte reste ouverte."
    assert counter.pay_panel.amount.text() == "5,00"  # the code did not land in the amount
    assert counter.products.add.isVisible()
    assert QApplication.focusWidget() is counter.pay_panel.amount
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    counter.window().grab().save(str(SHOTS_DIR / "product-code-offered.png"))

    QTest.keyClick(counter.pay_panel.amount, Qt.Key.Key_F8)  # add it, keyboard only
    assert counter.products.reference() == ISBN
    assert counter.products.reference_label.text() == f"Référence du paiement : {ISBN}"
    assert not counter.products.add.isVisible()
    counter.window().grab().save(str(SHOTS_DIR / "product-code-added.png"))

    QTest.keyClick(counter.pay_panel.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.RESULT, timeout=WAIT_MS)
    assert counter.result.title.text() == "Paiement accepté"
    assert "Solde après : 75,00" in counter.result.detail.text()
    paid = [t for t in ui.terminal.transactions() if t.amount_cents in (500, -500)]
    assert [t.reference for t in paid] == [ISBN]

    counter.back()  # the next customer starts without a reference
    assert counter.products.reference() is None
    assert not counter.products.isVisible()


def test_a_book_scanned_with_no_card_open_is_refused_as_a_product_code(ui, qtbot):
    counter = ui.counter
    type_number(counter, ISBN)
    qtbot.waitUntil(lambda: counter.message.isVisible())
    assert counter.pages.currentIndex() == counter.IDLE
    assert f"Code produit {ISBN}" in counter.message.text()
    assert "ni une carte" in counter.message.text()


def test_a_card_or_a_ticket_scanned_while_a_card_is_open_is_never_a_product(ui, qtbot):
    counter = ui.counter
    open_card(qtbot, counter)
    wedge_scan(qtbot, "23166622")  # another card: 8 digits are a card number
    qtbot.waitUntil(lambda: counter.card_panel.name.text() == "Stéphane MARTIN", timeout=WAIT_MS)
    assert not counter.products.isVisible()
    wedge_scan(qtbot, "898564564632")  # 12 digits: the ticket of a prepayment
    qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.VOUCHER, timeout=WAIT_MS)


def test_an_unreadable_scan_while_a_card_is_open_keeps_the_card(ui, qtbot):
    counter = ui.counter
    open_card(qtbot, counter)
    wedge_scan(qtbot, "ABCDEF-XYZ")
    qtbot.waitUntil(lambda: counter.products.isVisible(), timeout=WAIT_MS)
    assert counter.pages.currentIndex() == counter.CARD
    assert counter.products.message.text().endswith("La carte reste ouverte.")
    assert not counter.products.add.isVisible()
    assert ui.services.sounds.played[-1] == "refusal"


def test_the_reference_stops_at_what_the_core_keeps(ui, qtbot):
    counter = ui.counter
    open_card(qtbot, counter)
    codes = [f"978207061{i:04d}" for i in range(6)]
    for code in codes:
        counter.handle_scan(code)
        counter.products.add_pending()
    reference = counter.products.reference()
    assert reference is not None and len(reference) <= REFERENCE_MAX
    assert reference.split() == codes[:4]  # 4 codes of 13 and their spaces fit in 64
    assert "pleine" in counter.products.message.text()
    counter.handle_scan(codes[0])  # the same book again: nothing more to add
    assert not counter.products.add.isVisible()


# -- the classification, for any input ------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789", min_size=1, max_size=20))
def test_only_13_digits_are_a_product_and_8_or_12_stay_card_and_ticket(digits):
    scan = parse_scan(digits)
    if len(digits) == 13:
        assert scan.kind is ScanKind.INVALID and scan.product_code == digits
    else:
        assert scan.product_code is None
    if len(digits) == 8:
        assert scan.kind is ScanKind.CARD_NUMBER and scan.card_number == digits
    if len(digits) == 12:
        assert scan.kind is ScanKind.TICKET_NUMBER and scan.ticket_number == digits


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_input_is_classified_without_error_and_a_product_is_never_valid(text):
    scan = parse_scan(text)
    assert scan.product_code is None or (not scan.is_valid and scan.product_code.isdigit())


def test_a_symbology_prefix_never_turns_a_card_or_a_ticket_into_a_product():
    assert parse_scan("]E023166621").kind is ScanKind.CARD_NUMBER
    assert parse_scan("]E0898564564632").kind is ScanKind.TICKET_NUMBER
    assert parse_scan(f"]E0{ISBN}").product_code == ISBN
