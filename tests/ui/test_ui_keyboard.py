"""Transactions (F2) and Gestion (F3) without the mouse (issue 12): shortcuts for cancel, reprint,
export, close; an empty cancellation reason is said before the PIN; offline, a cancellation is
refused before the PIN."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QKeySequence
from ui_harness import open_counter, pay_at_counter

WAIT_MS = 20000
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "ui-manager"


def test_cancel_and_export_from_the_keyboard(central, tmp_path, qtbot, qapp):
    ui = open_counter(qapp, tmp_path / "terminal", central.url)
    try:
        w = ui.window
        qtbot.addWidget(w)
        qtbot.waitExposed(w)
        pay_at_counter(qtbot, ui.counter, "23166621", "2", WAIT_MS)  # a line of this till's own
        w.tabs.setCurrentWidget(w.transactions)
        panel = w.transactions

        def listed(kind: str) -> bool:
            return not panel.loading and any(r.kind == kind for r in panel.items)

        qtbot.waitUntil(lambda: listed("online_payment"), timeout=WAIT_MS)
        row = next(i for i, r in enumerate(panel.items) if r.kind == "online_payment")
        panel.table.setFocus()
        panel.table.selectRow(row)
        assert panel.cancel_button.shortcut() == QKeySequence("Ctrl+Del")
        assert panel.reprint_button.shortcut() == QKeySequence("Ctrl+R")
        assert panel.cancel_button.toolTip()  # the shortcut, said

        # An empty reason is said at once; the PIN is never asked.
        ui.prompts.push("   ")
        panel.cancel_button.click()  # what Ctrl+Del does (offscreen windows get no shortcuts)
        assert "motif" in panel.note.text().lower()
        assert [a[0] for a in ui.prompts.asked] == ["ask_text"]

        # Gestion (F3): Ctrl+E asks where to save.
        w.tabs.setCurrentWidget(w.manager)
        m = w.manager
        qtbot.waitUntil(lambda: m.report is not None, timeout=WAIT_MS)
        ui.prompts.push(str(tmp_path / "jour.csv"))
        assert m.csv_button.shortcut() == QKeySequence("Ctrl+E")
        assert m.close_button.shortcut() == QKeySequence("Ctrl+K")
        m.csv_button.click()
        assert ui.prompts.asked[-1][0] == "save_as"
        qtbot.waitUntil(lambda: "jour.csv" in m.note.text(), timeout=WAIT_MS)
        assert (tmp_path / "jour.csv").exists()

        # Offline: the cancellation is refused before any question.
        w.tabs.setCurrentWidget(w.transactions)
        central.stop()
        try:
            qtbot.waitUntil(lambda: not panel.online, timeout=WAIT_MS)
            panel.reload()  # offline: this till's journal only
            qtbot.waitUntil(
                lambda: listed("counter_payment") and not listed("online_payment"), timeout=WAIT_MS
            )
            mine = next(i for i, r in enumerate(panel.items) if r.kind == "counter_payment")
            asked = len(ui.prompts.asked)
            panel.table.setFocus()
            panel.table.selectRow(mine)
            assert panel.cancel_button.isEnabled()
            panel.cancel_button.click()  # what Ctrl+Del does (offscreen windows get no shortcuts)
            assert len(ui.prompts.asked) == asked  # neither the reason nor the PIN asked
            assert "hors ligne" in panel.note.text().lower(), panel.note.text()
        finally:
            central.start()
    finally:
        ui.close(qapp)


def test_offline_a_cancelled_payment_is_not_offered_and_the_books_come_back(
    central, tmp_path, qtbot, qapp
):
    ui = open_counter(qapp, tmp_path / "terminal", central.url)
    try:
        w, counter = ui.window, ui.counter
        qtbot.addWidget(w)
        qtbot.waitExposed(w)
        # After Réglages, the keyboard is back on the scan field.
        w.settings_button.setFocus()
        w.open_settings()
        w.settings_dialog.reject()
        qtbot.waitUntil(lambda: w.focusWidget() is counter.input, timeout=WAIT_MS)

        pay_at_counter(qtbot, counter, "23166622", "3", WAIT_MS)
        terminal = w.s.terminal
        mine = [t for t in terminal.transactions() if t.kind == "counter_payment"]
        assert (
            terminal.cancel(transaction_id=str(mine[0].transaction_id), reason="x").refusal is None
        )

        w.tabs.setCurrentWidget(w.manager)
        m = w.manager
        qtbot.waitUntil(lambda: m.statement is not None, timeout=WAIT_MS)
        central.stop()
        try:
            qtbot.waitUntil(lambda: not w.transactions.online, timeout=WAIT_MS)
            m.reload()
            qtbot.waitUntil(
                lambda: m.reconciliation.rowCount() and m.reconciliation.item(0, 2).text() == "—",
                timeout=WAIT_MS,
            )  # no statement offline: this till's own figures
            assert m.statement is None and "Ce terminal" in m.summary.text()

            # Offline, the list is this terminal's journal: the payment still reads "completed",
            # its cancellation names it, so "Annuler" is not offered.
            panel = w.transactions
            w.tabs.setCurrentWidget(panel)
            qtbot.waitUntil(lambda: len(panel.items) == 2, timeout=WAIT_MS)
            row = next(i for i, r in enumerate(panel.items) if r.kind == "counter_payment")
            assert panel.items[row].status == "completed"
            panel.table.selectRow(row)
            assert not panel.cancel_button.isEnabled()
            w.tabs.setCurrentWidget(m)
        finally:
            central.start()
        # The figures come back by themselves once the heartbeat sees the service.
        qtbot.waitUntil(lambda: m.statement is not None, timeout=WAIT_MS)
        assert "aucun écart" in m.note.text()
        SHOTS.mkdir(parents=True, exist_ok=True)
        w.grab().save(str(SHOTS / "02-books-back-online.png"))
    finally:
        ui.close(qapp)


def test_a_real_message_box_gives_the_focus_back_to_the_scan_field(central, tmp_path, qtbot, qapp):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from pos.ui.prompts import Prompts

    ui = open_counter(qapp, tmp_path / "terminal", central.url)
    try:
        w, counter = ui.window, ui.counter
        qtbot.addWidget(w)
        qtbot.waitExposed(w)
        counter.input.setFocus()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is counter.input, timeout=WAIT_MS)

        def close_the_box() -> None:
            box = QApplication.activeModalWidget()
            if box is None:
                QTimer.singleShot(50, close_the_box)
                return
            box.close()

        QTimer.singleShot(50, close_the_box)
        Prompts().inform(w, "Clôture", "La journée est en cours.")
        qtbot.waitUntil(lambda: QApplication.focusWidget() is counter.input, timeout=3000)
    finally:
        ui.close(qapp)
