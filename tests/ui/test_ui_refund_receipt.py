"""A refund's receipt (issue 12, item 5): "Annulation", the wallet credited with the amount, the
holder when known, and the refunded transaction's number and date, on every form the terminal
makes: the note on screen, the PDF (its HTML), the ESC/POS bytes and `hdf-pos cancel`'s text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from escpos.printer import Dummy
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QTextBrowser
from ui_harness import DEMO_PIN, open_counter

from pos import cli
from pos.ui import receipts
from pos.ui.transactions import reprint_receipt

WAIT_MS = 15000
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "ui-counter"


@pytest.fixture
def ui(central, tmp_path, qtbot, qapp):
    c = open_counter(qapp, tmp_path / "terminal", central.url)
    qtbot.addWidget(c.window)
    qtbot.waitExposed(c.window)
    yield c
    c.close(qapp)


def _pay_at_the_counter(ui, qtbot, card: str, amount: str):
    counter = ui.counter
    counter.input.setFocus()
    QTest.keyClicks(counter.input, card, delay=60)
    QTest.keyClick(counter.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.CARD, timeout=WAIT_MS)
    QTest.keyClicks(counter.pay_panel.amount, amount, delay=60)
    QTest.keyClick(counter.pay_panel.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.RESULT, timeout=WAIT_MS)
    receipt = counter.receipt
    QTest.keyClick(counter.result.next, Qt.Key.Key_Return)
    return receipt


def _escpos_text(receipt) -> str:
    printer = Dummy()
    receipts.escpos_print(printer, receipt)
    data: bytes = printer.output
    assert data.endswith(b"\x1dV\x00")
    # python-escpos selects a code page (ESC t n) before a run that needs it: read it back so.
    pages = {0: "cp437", 2: "cp850", 15: "iso8859_7", 16: "cp1252", 19: "cp858"}
    parts = re.split(rb"\x1bt(.)", data, flags=re.S)
    text, codec = parts[0].decode("cp437"), "cp437"
    for page, run in zip(parts[1::2], parts[2::2], strict=True):
        codec = pages[page[0]]
        text += run.decode(codec)
    return re.sub(r"\x1b[!Ead].|\x1dV.", "", text)


def test_a_cancellation_receipt_names_the_refund_on_every_form(ui, qtbot, tmp_path):
    paid = _pay_at_the_counter(ui, qtbot, "23166621", "35,00")
    when = paid.occurred_at.astimezone().strftime("%d/%m/%Y %H:%M:%S")
    w = ui.window
    panel = w.transactions
    w.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(
        lambda: any(r.transaction_number == paid.transaction_number for r in panel.items),
        timeout=WAIT_MS,
    )
    row = next(
        i for i, r in enumerate(panel.items) if r.transaction_number == paid.transaction_number
    )
    assert panel.table.item(row, 4).text() == "Manuels et équipements"  # one label everywhere
    panel.table.selectRow(row)
    ui.prompts.push("Erreur de saisie", DEMO_PIN)  # the reason first, then the PIN
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "annulée" in panel.note.text(), timeout=WAIT_MS)

    # On screen.
    note = panel.note.text()
    assert f"Transaction annulée : N° {paid.transaction_number} du {when}" in note
    assert "Titulaire : Jean MARTIN" in note
    assert "Porte-monnaie crédité : Manuels et équipements" in note
    assert "Montant crédité : +35,00" in note
    qtbot.waitUntil(lambda: any(r.kind == "cancellation" for r in panel.items), timeout=WAIT_MS)
    qtbot.wait(200)  # laid out
    assert panel.note.height() >= panel.note.heightForWidth(panel.note.width())  # read whole
    SHOTS.mkdir(parents=True, exist_ok=True)
    w.grab().save(str(SHOTS / "refund-note.png"))

    refund = panel.last_receipt
    text = receipts.receipt_text(refund)
    lines = dict(text.lines)
    assert text.title == "Annulation — remboursement"
    assert lines["Statut"] == "Annulation : porte-monnaie recrédité"
    assert lines["Titulaire"] == "Jean MARTIN"
    assert lines["Porte-monnaie crédité"] == "Manuels et équipements"
    assert lines["Montant crédité"] == "+35,00 €"
    assert lines["Transaction annulée"] == f"N° {paid.transaction_number} du {when}"
    assert "Porte-monnaie débité" not in lines and "Effectuée" not in lines.values()

    # ESC/POS, as the printer gets it.
    printed = _escpos_text(refund)
    for words in (
        "Annulation",
        "Porte-monnaie crédité : Manuels et équipements",
        "Montant crédité : +35,00",
        "Titulaire : Jean MARTIN",
        f"Transaction annulée : N° {paid.transaction_number} du {when}",
    ):
        assert words in printed, words

    # The PDF is that HTML laid out.
    html = receipts.to_html(text)
    assert "Annulation" in html and "+35,00" in html and paid.transaction_number in html
    assert "Porte-monnaie crédit" in html and "Jean MARTIN" in html
    pdf = receipts.write_pdf(refund, tmp_path / "refund.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")

    # The duplicate from the list: a cancellation row names the transaction it refunded.
    qtbot.waitUntil(lambda: any(r.kind == "cancellation" for r in panel.items), timeout=WAIT_MS)
    cancellation = next(r for r in panel.items if r.kind == "cancellation")
    original = next(r for r in panel.items if r.transaction_id == cancellation.cancels)
    dup = dict(
        receipts.receipt_text(reprint_receipt(cancellation, ui.services.partner, original)).lines
    )
    assert dup["Transaction annulée"] == f"N° {paid.transaction_number} du {when}"
    assert dup["Statut"] == "Annulation : porte-monnaie recrédité"
    assert dup["Porte-monnaie crédité"] == "Manuels et équipements"


def test_hdf_pos_cancel_prints_a_refund_receipt(central, tmp_path, capsys):
    from pos.terminal import Terminal

    data = tmp_path / "cli-terminal"
    terminal = Terminal.open(data)
    terminal.enroll(
        server_url=central.url, partner_code="L212", password="Demo-L212", label="Caisse 2"
    )
    terminal.close()
    assert cli.main(["--data-dir", str(data), "pay", "--card", "23166622",
                     "--wallet", "MANUEQUIP", "--amount", "7,00"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    number = next(x for x in out.splitlines() if x.startswith("N° transaction")).split(": ")[1]
    terminal = Terminal.open(data)
    try:
        tx = next(t for t in terminal.transactions() if t.transaction_number == number)
    finally:
        terminal.close()
    when = tx.occurred_at.astimezone().strftime("%d/%m/%Y")
    code = cli.main(["--data-dir", str(data), "cancel", str(tx.transaction_id),
                     "--reason", "Erreur de saisie"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Opération : Annulation" in out
    assert f"Transaction annulée : N° {number} du {when}" in out
    assert "Porte-monnaie crédité : Manuels et équipements (MANUEQUIP)" in out
    assert "Montant crédité : +7,00 €" in out
    assert "Bénéficiaire : Stéphane MARTIN" in out


def test_a_duplicate_from_the_list_carries_the_journal_proof(ui, qtbot):
    """The list comes from the service, which knows nothing of this terminal's journal: the
    duplicate must still print the entry's seq and "Empreinte" (issue 14), as the original did."""
    paid = _pay_at_the_counter(ui, qtbot, "23166621", "4,50")
    assert paid.journal_seq is not None and paid.fingerprint
    panel = ui.window.transactions
    ui.window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(
        lambda: any(r.transaction_number == paid.transaction_number for r in panel.items),
        timeout=WAIT_MS,
    )
    row = next(r for r in panel.items if r.transaction_number == paid.transaction_number)
    assert row.sync_state == "central"  # the service's row, not the local one
    duplicate = reprint_receipt(row, ui.services.partner)
    lines = dict(receipts.receipt_text(duplicate).lines)
    assert lines["N° journal"] == str(paid.journal_seq)
    assert lines["Empreinte"] == paid.fingerprint
    assert lines["N° ticket"] == paid.ticket_number  # this terminal's receipt number
    assert lines["Titulaire"] == "Jean MARTIN"  # the name, kept in the journal for reprints
    printed = _escpos_text(duplicate)
    assert f"Empreinte : {paid.fingerprint}" in printed
    view = QTextBrowser()  # the duplicate as the PDF lays it out, to look at
    qtbot.addWidget(view)
    view.resize(380, 620)
    view.setHtml(receipts.to_html(receipts.receipt_text(duplicate)))
    view.show()
    SHOTS.mkdir(parents=True, exist_ok=True)
    view.grab().save(str(SHOTS / "duplicate-with-proof.png"))
