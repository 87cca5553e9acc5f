"""Service stopped → red "Hors ligne" bar → offline payment queued → service back → queue drains.

The bar must change within 15 s with nobody paying (the heartbeat probes on its own).
"""

from __future__ import annotations

import pytest
from conftest import shot
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from support.central_server import start_central
from ui_harness import card_qr, open_counter

STATE_CHANGE_MS = 15000


@pytest.mark.slow
def test_offline_payment_is_queued_and_sent_when_the_service_is_back(tmp_path, qtbot, qapp):
    with start_central(data_dir=tmp_path / "central") as central:
        ui = open_counter(qapp, tmp_path / "terminal", central.url)
        try:
            w, counter, bar = ui.window, ui.counter, ui.window.status_bar
            qtbot.addWidget(w)
            qtbot.waitExposed(w)
            qtbot.waitUntil(lambda: bar.online is True, timeout=STATE_CHANGE_MS)
            assert bar.state.text().endswith("En ligne")
            qr = card_qr(central.url, "23166621", "Demo-3116960")
            # Scanned while online first: the terminal keeps the card's answer for a while.
            counter.input.setFocus()
            QTest.keyClicks(counter.input, qr)
            QTest.keyClick(counter.input, Qt.Key.Key_Return)
            qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.CARD, timeout=5000)
            assert "80,00" in counter.card_panel.wallet_tiles[0].balance.text()
            QTest.keyClick(counter, Qt.Key.Key_Escape)
            qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.IDLE, timeout=5000)

            central.stop()
            qtbot.waitUntil(lambda: bar.online is False, timeout=STATE_CHANGE_MS)
            assert bar.state.text().endswith("Hors ligne")
            assert bar.property("state") == "offline"
            shot(w, "10-offline-bar")

            # A typed number is refused offline, in words.
            counter.input.setFocus()
            QTest.keyClicks(counter.input, "23166621", delay=60)
            QTest.keyClick(counter.input, Qt.Key.Key_Return)
            qtbot.waitUntil(lambda: counter.message.isVisible(), timeout=STATE_CHANGE_MS)
            assert "Hors ligne" in counter.message.text()

            # The signed QR, scanned by the wedge: shown from its snapshot, paid offline.
            QTest.keyClicks(QApplication.focusWidget(), qr)
            QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
            qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.CARD, timeout=5000)
            assert counter.card_panel.offline_note.isVisible()
            QTest.keyClicks(counter.pay_panel.amount, "10", delay=60)
            QTest.keyClick(counter.pay_panel.amount, Qt.Key.Key_Return)
            qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.RESULT, timeout=5000)
            assert counter.result.title.text() == "Accepté hors ligne"
            assert "mise en attente" in counter.result.detail.text()
            # 80,00 € in the QR snapshot, 10,00 € paid: the payment counts once, not twice.
            assert "Solde après : 70,00" in counter.result.detail.text()
            assert counter.receipt.balance_after_cents == 7000
            qtbot.waitUntil(
                lambda: bar.queue.text().startswith("1 en attente depuis"), timeout=8000
            )
            assert bar.window.isVisible() and "Hors ligne possible encore" in bar.window.text()
            shot(w, "11-offline-paid")

            # Scanned again: 70,00 € known; 40,00 € of it can be paid (it was refused as more
            # than the known balance when the first payment counted twice).
            QTest.keyClick(counter.result.next, Qt.Key.Key_Return)
            qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.IDLE, timeout=5000)
            QTest.keyClicks(QApplication.focusWidget(), qr)
            QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
            qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.CARD, timeout=5000)
            assert "70,00" in counter.card_panel.wallet_tiles[0].balance.text()
            QTest.keyClicks(counter.pay_panel.amount, "40", delay=60)
            QTest.keyClick(counter.pay_panel.amount, Qt.Key.Key_Return)
            qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.RESULT, timeout=5000)
            assert counter.result.title.text() == "Accepté hors ligne", counter.result.detail.text()
            assert "Solde après : 30,00" in counter.result.detail.text()
            qtbot.waitUntil(
                lambda: bar.queue.text().startswith("2 en attente depuis"), timeout=8000
            )

            central.start()
            qtbot.waitUntil(lambda: bar.online is True, timeout=STATE_CHANGE_MS)
            qtbot.waitUntil(
                lambda: bar.queue.text() == "Aucune opération en attente", timeout=STATE_CHANGE_MS
            )
            shot(w, "12-back-online")

            # The central service now lists it, marked offline, with its own number.
            w.tabs.setCurrentWidget(w.transactions)
            panel = w.transactions

            def synced() -> bool:
                central_offline = {
                    t.amount_cents
                    for t in panel.items
                    if t.offline and t.sync_state == "central" and t.transaction_number
                }
                return {1000, 4000} <= central_offline

            qtbot.waitUntil(synced, timeout=STATE_CHANGE_MS)
            shot(w, "12b-offline-payment-synced")
        finally:
            ui.close(qapp)
