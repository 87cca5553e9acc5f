"""The manager's books are the shop's (issue 12, item 6): the central statement's rows, an extranet
payment's cancellation on the extranet row, "Net du jour" the shop's day, a CSV line per
transaction, a PDF with headers and the extranet row, "Enregistrer sous" with a remembered folder.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from ui_harness import open_counter, pay_at_counter

from pos import settings as config
from pos.results import TransactionView
from pos.ui.day_report import CSV_COLUMNS, report_html, transactions_csv

WAIT_MS = 15000
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "ui-manager"


def _money(item) -> str:
    return item.text().replace("\xa0", " ")


def test_the_shop_day_with_an_extranet_cancellation(central, tmp_path, qtbot, qapp):
    ui = open_counter(qapp, tmp_path / "terminal", central.url)
    try:
        w, counter = ui.window, ui.counter
        qtbot.addWidget(w)
        qtbot.waitExposed(w)
        pay_at_counter(qtbot, counter, "23166622", "10", WAIT_MS)

        # The beneficiary's extranet payment of the demo (35,00 €), cancelled at this till.
        terminal = w.s.terminal
        online = [t for t in terminal.transactions() if t.kind == "online_payment"]
        assert [t.amount_cents for t in online] == [3500]
        done = terminal.cancel(transaction_id=str(online[0].transaction_id), reason="Erreur")
        assert done.refusal is None

        w.tabs.setCurrentWidget(w.manager)
        m = w.manager
        qtbot.waitUntil(lambda: m.statement is not None, timeout=WAIT_MS)
        rows = {
            m.by_terminal.item(r, 0).text(): _money(m.by_terminal.item(r, 2))
            for r in range(m.by_terminal.rowCount())
        }
        # Before: "Test UI" −25,00 € (10 − 35) and "Net du jour −25,00 €" from this till alone.
        assert rows == {"Test UI": "10,00 €", "Extranet bénéficiaire": "0,00 €"}
        summary = m.summary.text().replace("\xa0", " ")
        assert "Net du jour : 10,00 € — 3 transaction(s)" in summary
        assert "dont ce terminal : 10,00 €" in summary
        kinds = {m.by_kind.item(r, 0).text() for r in range(m.by_kind.rowCount())}
        assert len(kinds) == 3  # counter payment, extranet payment, cancellation
        assert "aucun écart" in m.note.text()  # the till's journal agrees with its statement row
        # The buttons with their shortcuts still fit a 1366-pixel screen.
        assert m.minimumSizeHint().width() <= 1366 - 40, m.minimumSizeHint()
        assert w.transactions.minimumSizeHint().width() <= 1366 - 40
        w.resize(1366, 740)
        qtbot.wait(50)
        SHOTS.mkdir(parents=True, exist_ok=True)
        w.grab().save(str(SHOTS / "01-shop-day.png"))

        # CSV: "Enregistrer sous", one line per transaction, BOM and ';'.
        exports = tmp_path / "comptabilité"
        exports.mkdir()
        ui.prompts.push(str(exports))
        m.csv_button.click()
        qtbot.waitUntil(lambda: "Exporté" in m.note.text(), timeout=WAIT_MS)
        raw = m.last_export.read_bytes()
        assert m.last_export.parent == exports and raw.startswith(b"\xef\xbb\xbf")
        lines = raw.decode("utf-8-sig").splitlines()
        header = lines[0].split(";")
        assert header[:4] == ["date", "heure", "n_transaction", "type"] and "titulaire" in header
        assert len(lines) == 4  # the extranet payment, the counter payment, the cancellation
        amounts = sorted(line.split(";")[header.index("montant_euros")] for line in lines[1:])
        assert amounts == ["-35,00", "10,00", "35,00"]
        assert any("Extranet bénéficiaire" in line for line in lines[1:])
        assert w.s.settings.get(config.EXPORTS_DIR) == str(exports)

        # PDF: asked again, in the remembered folder; headers and the extranet row.
        ui.prompts.push(str(exports / "z.pdf"))
        m.pdf_button.click()
        assert ui.prompts.asked[-1][2].startswith(str(exports))
        # Done when the manager is told so (the file appears a moment before the message).
        qtbot.waitUntil(lambda: "z.pdf" in m.note.text(), timeout=WAIT_MS)
        assert m.last_export.read_bytes().startswith(b"%PDF")
        page = report_html(m.report, m.selected_day(), "LES PAGES", m.statement)
        assert page.count("<th") == 9 and "Extranet bénéficiaire" in page
        assert "Rapport provisoire" in page

        # Cancelled "Enregistrer sous": nothing written, nothing said exported.
        before = sorted(exports.iterdir())
        m.note.setText("")
        m.csv_button.click()
        qtbot.wait(200)
        assert sorted(exports.iterdir()) == before and "Exporté" not in m.note.text()
    finally:
        ui.close(qapp)


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=200, deadline=None)
@given(reference=_TEXT, holder=_TEXT, card=_TEXT, wallet=_TEXT, cents=st.integers(0, 10**9))
def test_the_csv_keeps_one_line_per_transaction_whatever_the_texts(
    qapp, reference, holder, card, wallet, cents
):
    # A reference typed on the extranet or at a till is untrusted: `;`, quotes, new lines or a
    # leading "=" must neither split a line nor become a spreadsheet formula.
    view = TransactionView(
        transaction_id="t1", transaction_number="1234567", kind="counter_payment",
        status="completed", card_number=card, wallet_code=wallet, amount_cents=cents,
        balance_after_cents=0, occurred_at=datetime(2026, 11, 24, 9, tzinfo=UTC),
        reference=reference, holder_name=holder,
    )  # fmt: skip
    text = transactions_csv([view, view], None, {})
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert len(rows) == 3 and all(len(r) == len(CSV_COLUMNS) for r in rows)
    line = dict(zip(CSV_COLUMNS, rows[1], strict=True))
    for column, given_text in (("reference", reference), ("titulaire", holder), ("carte", card)):
        formula = given_text[:1] in ("=", "+", "-", "@", "\t", "\r")
        assert line[column] == ("'" + given_text if formula else given_text)
    assert line["montant_euros"] == f"{cents / 100:.2f}".replace(".", ",")
