"""The manager closes the day (PIN, confirmation) and exports CSV and PDF; reconciliation shown."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from conftest import shot
from PySide6.QtCore import QDate, Qt
from PySide6.QtTest import QTest
from support.central_server import start_central
from support.clock import DST_SPRING_NIGHT, anchored, clock_at
from ui_harness import DEMO_PIN, open_counter

from pos.domain import PARIS
from pos.ui.day_report import report_html

WAIT_MS = 15000


def test_day_closed_and_exported(central, tmp_path, qtbot, qapp):
    ui = open_counter(qapp, tmp_path / "terminal", central.url)
    try:
        w, counter = ui.window, ui.counter
        qtbot.addWidget(w)
        qtbot.waitExposed(w)
        counter.input.setFocus()
        QTest.keyClicks(counter.input, "23166622", delay=60)
        QTest.keyClick(counter.input, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.CARD, timeout=WAIT_MS)
        counter.pay_panel.group.buttons()[0].setChecked(True)
        QTest.keyClicks(counter.pay_panel.amount, "5", delay=60)
        QTest.keyClick(counter.pay_panel.amount, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.RESULT, timeout=WAIT_MS)

        w.tabs.setCurrentWidget(w.manager)
        m = w.manager
        qtbot.waitUntil(lambda: m.report is not None, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: m.reconciliation.rowCount() > 0, timeout=WAIT_MS)
        assert "Net du jour" in m.summary.text()
        # The whole shop from the central statement: this till by its name (not its UUID) and
        # the beneficiary's online payment of the demo data (35,00 € today).
        by_terminal = {
            m.by_terminal.item(r, 0).text(): m.by_terminal.item(r, 2).text().replace("\xa0", " ")
            for r in range(m.by_terminal.rowCount())
        }
        assert by_terminal == {"Test UI": "5,00 €", "Extranet bénéficiaire": "35,00 €"}
        shot(w, "13-manager")

        ui.prompts.push(str(tmp_path / "recettes.csv"))  # "Enregistrer sous"
        m.export("csv")
        qtbot.waitUntil(lambda: "Exporté" in m.note.text(), timeout=WAIT_MS)
        csv_text = m.last_export.read_text(encoding="utf-8-sig")
        assert "Manuels et équipements" in csv_text and "5,00" in csv_text  # one label everywhere
        ui.prompts.push(str(tmp_path / "recettes.pdf"))
        m.export("pdf")
        qtbot.waitUntil(lambda: "recettes.pdf" in m.note.text(), timeout=WAIT_MS)
        assert m.last_export.read_bytes().startswith(b"%PDF")

        # The running day does not close (pos/daybook.py): said before the PIN is asked.
        m.close_button.click()
        assert ui.prompts.asked[-1][0] == "inform" and "en cours" in m.note.text()
        ui.prompts.push(DEMO_PIN, True)
        day = m.selected_day()
        with clock_at(datetime.combine(day + timedelta(days=1), time(9), tzinfo=PARIS)):
            m.close_button.click()
            qtbot.waitUntil(lambda: m.closed.text() == "Journée clôturée", timeout=WAIT_MS)
            qtbot.waitUntil(lambda: m.report.closing is not None, timeout=WAIT_MS)
        # The printable Z: what the journal's closing certifies.
        page = report_html(m.report, day, "LES PAGES", m.statement)
        assert "Rapport de fin de journée (Z)" in page and "Grand total perpétuel" in page
        assert m.report.closing.last_hash in page
        assert not m.close_button.isEnabled()
        qtbot.wait(50)  # let the layout follow the new text, as on screen
        shot(w, "14-day-closed")
    finally:
        ui.close(qapp)


def test_the_day_shown_at_half_past_midnight_on_a_dst_night_is_the_paris_day(tmp_path, qtbot, qapp):
    # 2027-03-28 00:30 Paris = 2027-03-27T23:30Z. Catches a day picker that starts on the PC's
    # date (QDate.currentDate(): a UTC machine is still on the 27th) or on the UTC date: the
    # statement of the 27th has none of the demo's online payment, made at 00:30 on the 28th.
    setting = anchored(DST_SPRING_NIGHT)
    with (
        clock_at(setting),
        start_central(data_dir=tmp_path / "central", extra_args=["--clock", setting]) as central,
    ):
        ui = open_counter(qapp, tmp_path / "terminal", central.url)
        try:
            w = ui.window
            qtbot.addWidget(w)
            assert w.transactions.day.date() == QDate(2027, 3, 28)
            w.tabs.setCurrentWidget(w.manager)
            m = w.manager
            assert m.day.date() == QDate(2027, 3, 28)
            qtbot.waitUntil(lambda: m.by_terminal.rowCount() > 0, timeout=WAIT_MS)
            rows = {
                m.by_terminal.item(r, 0).text(): m.by_terminal.item(r, 2).text()
                for r in range(m.by_terminal.rowCount())
            }
            assert rows["Extranet bénéficiaire"].replace("\xa0", " ") == "35,00 €"
        finally:
            ui.close(qapp)
