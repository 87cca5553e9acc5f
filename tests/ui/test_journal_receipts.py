"""Receipts carry the proof (issue 14): the journal entry's seq and the first 8 hex characters of
its hash ("Empreinte"), on the screen's receipt, the PDF and the ESC/POS bytes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from escpos.printer import Dummy
from PySide6.QtWidgets import QTextBrowser

from hdf_common import clock
from pos.terminal import Receipt
from pos.ui import receipts

HASH = "3f9a0c7de1b2a4c6" + "0" * 48
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "journal"
RECEIPT = Receipt(
    ticket_number="T-000417",
    transaction_number="7654321",
    transaction_id="5d0c3c1e-4d1c-4bd0-9a55-2f7d1b3f9e10",
    status="Payé",
    kind="counter_payment",
    occurred_at=clock.now(),
    card_number="23166621",
    holder_name="Jean MARTIN",
    partner_name="LES PAGES",
    postal_code="80000",
    city="AMIENS",
    wallet_code="MANUEQUIP",
    wallet_label="Manuels et équipements",
    amount_cents=990,
    balance_after_cents=4010,
    journal_seq=417,
    journal_hash=HASH,
)


def test_every_receipt_form_shows_the_journal_seq_and_fingerprint(qtbot, tmp_path) -> None:
    text = receipts.receipt_text(RECEIPT)
    assert ("N° journal", "417") in text.lines and ("Empreinte", "3f9a0c7d") in text.lines
    printer = Dummy()
    receipts.escpos_print(printer, RECEIPT)
    assert b"N\xb0 journal : 417" in printer.output or b"journal : 417" in printer.output
    assert b"Empreinte : 3f9a0c7d" in printer.output
    assert HASH[8:16].encode() not in printer.output  # 8 characters, not the whole hash
    html = receipts.to_html(text)
    assert "Empreinte" in html and "3f9a0c7d" in html  # what the PDF lays out
    assert receipts.write_pdf(RECEIPT, tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    view = QTextBrowser()
    qtbot.addWidget(view)
    view.resize(380, 520)
    view.setHtml(html)
    view.show()
    SHOTS.mkdir(parents=True, exist_ok=True)
    view.grab().save(str(SHOTS / "receipt-with-proof.png"))


def test_a_receipt_without_a_journal_entry_shows_no_empty_proof() -> None:
    bare = replace(RECEIPT, journal_seq=None, journal_hash=None)
    labels = [label for label, _ in receipts.receipt_text(bare).lines]
    assert "Empreinte" not in labels and "N° journal" not in labels


def test_the_manager_tab_lists_the_month_closings(central, tmp_path, qtbot, qapp) -> None:
    from datetime import date

    from support.clock import clock_at
    from ui_harness import open_counter

    from hdf_common import clock

    ui = open_counter(qapp, tmp_path / "terminal", central.url)
    try:
        w, t = ui.window, ui.terminal
        qtbot.addWidget(w)
        # The service at the same instant: a payment is the Paris day of the service's instant.
        with clock_at("2026-11-02T10:00:00+01:00") as setting:
            central.extra_env[clock.ENV_VAR] = setting
            central.restart()
            assert t.pay(scan="23166622", wallet_code="MANUEQUIP", amount_cents=725).ok
        with clock_at("2026-12-01T09:00:00+01:00"):  # the day, then the month, are over
            t.close_day(date(2026, 11, 2))
            closing = t.close_month("2026-11")
        w.tabs.setCurrentWidget(w.manager)
        table = w.manager.periods.table
        qtbot.waitUntil(lambda: table.rowCount() == 1, timeout=15000)
        row = [table.item(0, c).text().replace("\xa0", " ") for c in range(table.columnCount())]
        assert row == ["2026-11", "1", "7,25 €", "7,25 €", str(closing.seq), closing.hash[:8]]
        qtbot.wait(50)
        SHOTS.mkdir(parents=True, exist_ok=True)
        w.grab().save(str(SHOTS / "manager-period-closings.png"))
    finally:
        ui.close(qapp)
        if central.extra_env.pop(clock.ENV_VAR, None):  # the module's service: the session clock
            central.restart()
