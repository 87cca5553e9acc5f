"""Translations: every visible string goes through tr(), the English catalogue is complete, named
placeholders survive translation, and the build step turns the .ts into a .qm the app loads."""

import ast
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtWidgets import QLabel

from pos.ui import i18n

UI = Path(i18n.SOURCES)
# Calls that put text on screen: a string literal given to them directly is not translatable.
TEXT_CALLS = {
    "setText",
    "setWindowTitle",
    "setPlaceholderText",
    "setToolTip",
    "setTitle",
    "setSubTitle",
    "addTab",
    "setButtonText",
    "addButton",
    "setHorizontalHeaderLabels",
    "addRow",
    "addItem",
    "setFormat",
    "setLabelText",
    "setOkButtonText",
    "setCancelButtonText",
    "setTabText",
    "QLabel",
    "QPushButton",
    "QRadioButton",
    "QCheckBox",
    "QGroupBox",
    "QAction",
    "inform",
    "warn",
    "confirm",
    "ask_text",
    "show_idle",
    "refuse",
}
TR_CALLS = {"tr", "translate", "QT_TRANSLATE_NOOP"}
# Catalogues looked up at run time whose strings are registered with QT_TRANSLATE_NOOP.
RUNTIME_CONTEXTS = {"messages", "Settings"}


def _name(func):
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _has_words(node):
    if isinstance(node, ast.JoinedStr):  # an f-string: its literal parts are what is translated
        return any(_has_words(v) for v in node.values)
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and any(c.isalpha() for c in node.value)
    )


def untranslated(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    problems = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name in TEXT_CALLS:
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if _has_words(arg):
                    problems.append(f"{path.name}:{arg.lineno}: {ast.unparse(arg)[:60]}")
        if name in TR_CALLS:
            text = node.args[-1] if node.args else None
            context = node.args[0] if len(node.args) == 2 else None
            runtime = isinstance(context, ast.Constant) and context.value in RUNTIME_CONTEXTS
            if text is not None and not isinstance(text, ast.Constant) and not runtime:
                problems.append(f"{path.name}:{node.lineno}: tr() of a non-literal")
        if isinstance(node.func, ast.Name) and node.func.id == "_tr":
            problems.append(f"{path.name}:{node.lineno}: lupdate does not see a _tr() helper")
    return problems


def test_every_visible_string_goes_through_tr():
    problems = [p for f in sorted(UI.rglob("*.py")) for p in untranslated(f)]
    assert problems == []


def test_the_checker_catches_a_bare_string(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        'label.setText("Paiement accepté")\nQLabel(f"Solde {x}")\nQLabel(f"{a} ({b})")\n'
    )
    assert len(untranslated(bad)) == 2


def test_catalogue_is_complete_and_keeps_placeholders():
    assert i18n.check("en") == []


def test_catalogue_matches_the_code(tmp_path):
    """Every tr() string of pos/ui is in the committed .ts (run `python -m pos.ui.i18n update`)."""
    import subprocess

    fresh = tmp_path / "fresh_en.ts"
    files = sorted(str(p) for p in UI.rglob("*.py"))
    subprocess.run(
        [i18n._tool("lupdate"), "-locations", "none", *files, "-ts", str(fresh)],
        check=True,
        capture_output=True,
    )
    committed = {(c, s) for c, s, _t, _k in i18n.messages("en")}
    import xml.etree.ElementTree as ET

    in_code = {
        (ctx.findtext("name"), m.findtext("source"))
        for ctx in ET.parse(fresh).getroot().iter("context")
        for m in ctx.iter("message")
    }
    assert in_code - committed == set()


def test_placeholder_check_catches_a_lost_placeholder(tmp_path, monkeypatch):
    ts = tmp_path / "hdf_pos_en.ts"
    ts.write_text(
        '<?xml version="1.0" encoding="utf-8"?><TS version="2.1" language="en"><context>'
        "<name>X</name><message><source>Solde après : {balance}</source>"
        "<translation>Balance after</translation></message></context></TS>",
        encoding="utf-8",
    )
    monkeypatch.setattr(i18n, "TS_DIR", tmp_path)
    assert i18n.check("en") == [
        "X: placeholders differ: 'Solde après : {balance}' -> 'Balance after'"
    ]


def test_build_step_makes_a_qm_that_translates(qapp, tmp_path):
    (qm,) = i18n.build(tmp_path)
    translator = QTranslator()
    assert translator.load(str(qm))
    qapp.installTranslator(translator)
    try:
        label = QLabel(QCoreApplication.translate("Texts", "Carte active"))
        assert label.text() == "Active card"
    finally:
        qapp.removeTranslator(translator)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_install_picks_the_language(qapp, tmp_path, lang):
    translator = i18n.install(qapp, lang, tmp_path)
    try:
        expected = "Carte active" if lang == "fr" else "Active card"
        assert QCoreApplication.translate("Texts", "Carte active") == expected
    finally:
        if translator is not None:
            qapp.removeTranslator(translator)


def test_language_switched_in_settings_applies_at_once(central, tmp_path, qtbot, qapp):
    """Réglages → Langue: Anglais → Enregistrer: the windows come back in English straight away,
    still enrolled and working (a card looked up), and back in French the same way."""
    from conftest import shot
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from ui_harness import open_counter

    ui = open_counter(qapp, tmp_path / "terminal", central.url)
    try:

        def choose(language: str) -> None:
            w = ui.window
            w.settings_button.click()
            qtbot.waitUntil(lambda: w.settings_dialog is not None and w.settings_dialog.isVisible())
            combo = w.settings_dialog.editors["language"]
            combo.setCurrentIndex(combo.findData(language))
            w.settings_dialog.accept_button.click()

        first = ui.window
        assert first.tabs.tabText(0) == "Comptoir (F1)"
        first.counter.busy = True  # a payment on its way: its result must land on this window
        choose("en")
        qtbot.wait(400)
        assert ui.window is first and first.tabs.tabText(0) == "Comptoir (F1)"
        first.counter.busy = False  # the payment's result is shown: now the windows switch
        qtbot.waitUntil(lambda: ui.window is not first, timeout=5000)
        w = ui.window
        qtbot.waitExposed(w)
        assert not first.isVisible()
        assert w.tabs.tabText(0) == "Counter (F1)"
        assert w.settings_button.text() == "Settings"
        QTest.keyClicks(w.counter.input, "23166621", delay=20)
        QTest.keyClick(w.counter.input, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: w.counter.pages.currentIndex() == w.counter.CARD, timeout=15000)
        assert w.counter.card_panel.name.text() == "Jean MARTIN"
        pay = w.counter.pay_panel
        QTest.keyClicks(pay.amount, "12,345", delay=20)  # the engine's refusal, in English too
        QTest.keyClick(pay.amount, Qt.Key.Key_Return)
        assert pay.error.text() == "No more than 2 digits after the comma (cents)."
        pay.amount.clear()
        QTest.keyClicks(pay.amount, "9x", delay=20)
        QTest.keyClick(pay.amount, Qt.Key.Key_Return)
        assert pay.error.text() == "Unreadable amount: “9x” is not a number."
        shot(w, "17-english")
        choose("fr")
        qtbot.waitUntil(lambda: ui.window is not w, timeout=5000)
        assert ui.window.tabs.tabText(0) == "Comptoir (F1)"
    finally:
        ui.close(qapp)
        i18n.install(qapp, "fr", tmp_path / "cache")  # leave the next tests in French


# -- issue 12, item 8: one language and one label ------------------------------------------------


def _receipt(**changes):
    from dataclasses import replace

    from test_ui_parts import RECEIPT

    from pos.messages import text

    redemption = dict(
        kind="voucher_redemption", status=text("voucher_redeemed"), ticket_number="898564564632"
    )
    return replace(RECEIPT, **{**redemption, **changes})


@pytest.fixture
def english(qapp, tmp_path):
    translator = i18n.install(qapp, "en", tmp_path)
    yield
    if translator is not None:
        qapp.removeTranslator(translator)
    i18n.install(qapp, "fr", tmp_path / "fr")


def test_an_english_receipt_is_english_throughout(english):
    from datetime import UTC, datetime

    from pos.messages import text
    from pos.ui import receipts

    redeemed = receipts.receipt_text(_receipt())
    assert dict(redeemed.lines)["Status"] == "Prepayment redeemed"
    refund = receipts.receipt_text(
        _receipt(
            kind="cancellation",
            status=text("cancelled"),
            cancels_number="7654321",
            cancels_occurred_at=datetime(2026, 9, 1, 8, 0, tzinfo=UTC),
            to_pay_at_till_cents=0,
        )
    )
    split = receipts.receipt_text(
        _receipt(kind="counter_payment", status=text("paid"), to_pay_at_till_cents=3500)
    )
    for receipt in (redeemed, refund, split):
        words = " ".join([receipt.title, *receipt.footer, *(k + " " + v for k, v in receipt.lines)])
        for french in (
            "Prépaiement",
            "Porte-monnaie",
            "Statut",
            "Montant",
            "Solde",
            "Reçu",
            "Payé",
        ):
            assert french not in words, (french, words)
    assert dict(refund.lines)["Cancelled transaction"].startswith("No. 7654321 of ")
    assert dict(split.lines)["Left to pay at the till"] == "35,00 €"


def test_the_reconciliation_detail_is_english(english):
    from pos.messages import text
    from pos.ui import texts

    assert texts.difference(text("count_differs", local=5, central=6)) == (
        "count: terminal 5, central service 6"
    )
    assert texts.difference(text("amount_differs", local="-25,00 €", central="-24,00 €")) == (
        "amount: terminal -25,00 €, central service -24,00 €"
    )
    assert texts.difference(text("not_yet_sent", count=2)) == "2 operation(s) not sent yet"


def test_the_voucher_screen_names_the_wallet_as_the_receipt_does(qtbot):
    from pos.results import VoucherView
    from pos.ui.counter_panels import VoucherPanel

    panel = VoucherPanel()
    qtbot.addWidget(panel)
    panel.show_voucher(
        VoucherView(
            ticket_number="898564564632",
            transaction_number="1234567",
            status="pending",
            status_label="",
            partner_code="L212",
            card_number="23166621",
            holder_name="Jean MARTIN",
            wallet_code="MANUEQUIP",
            amount_cents=12000,
            created_at=None,
            redeemed_at=None,
            redeemable=True,
        )
    )
    assert panel.fields["wallet"].text() == "Manuels et équipements"
    assert panel.fields["wallet"].text() == _receipt().wallet_label
