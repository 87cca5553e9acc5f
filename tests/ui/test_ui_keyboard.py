"""Transactions (F2) and Gestion (F3) without the mouse (issue 12): shortcuts for cancel, reprint,
export, close; an empty cancellation reason is said before the PIN; offline, a cancellation is
refused before the PIN."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from ui_harness import open_counter

WAIT_MS = 20000


def test_cancel_and_export_from_the_keyboard(central, tmp_path, qtbot, qapp):
    ui = open_counter(qapp, tmp_path / "terminal", central.url)
    try:
        w = ui.window
        qtbot.addWidget(w)
        qtbot.waitExposed(w)
        w.tabs.setCurrentWidget(w.transactions)
        panel = w.transactions
        qtbot.waitUntil(lambda: panel.isVisible() and bool(panel.items), timeout=WAIT_MS)
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
        qtbot.waitUntil(lambda: (tmp_path / "jour.csv").exists(), timeout=WAIT_MS)

        # Offline: the cancellation is refused before any question.
        w.tabs.setCurrentWidget(w.transactions)
        central.stop()
        try:
            qtbot.waitUntil(lambda: not panel.online, timeout=WAIT_MS)
            asked = len(ui.prompts.asked)
            panel.table.setFocus()
            panel.table.selectRow(row)
            panel.cancel_button.click()  # what Ctrl+Del does (offscreen windows get no shortcuts)
            assert len(ui.prompts.asked) == asked
            assert "hors ligne" in panel.note.text().lower() or "service" in panel.note.text()
        finally:
            central.start()
    finally:
        ui.close(qapp)
