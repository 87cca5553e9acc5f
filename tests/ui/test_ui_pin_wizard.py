"""First run, the manager PIN page (issue 12, item 3): a PIN is checked before it is stored, and
the wizard goes away once the counter opens. Driven by clicking the wizard's own buttons."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from ui_harness import open_counter

from pos.ui.wizard import PinPage

SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "ui-counter"


def _to_pin_page(ui, central, qtbot):
    wizard = ui.launcher.wizard
    qtbot.addWidget(wizard)
    qtbot.waitExposed(wizard)
    page = wizard.enrol_page
    page.url.setText(central.url)
    page.code.setText("L212")
    page.password.setText("Demo-L212")
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.pin_page, timeout=15000)
    return wizard


def _finish(wizard, qtbot, pin: str, again: str) -> None:
    page = wizard.pin_page
    page.pin.clear()
    page.again.clear()
    qtbot.keyClicks(page.pin, pin)
    qtbot.keyClicks(page.again, again)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)


def test_a_refused_pin_stores_nothing_and_the_wizard_closes_with_the_counter(
    central, tmp_path, qtbot, qapp
):
    ui = open_counter(qapp, tmp_path / "terminal", None)
    try:
        wizard = _to_pin_page(ui, central, qtbot)
        page = wizard.pin_page

        _finish(wizard, qtbot, "1234", "1235")
        qtbot.wait(300)  # a keyring write, had one started, would land by now
        assert page.error.text() == "Les deux codes diffèrent."
        assert not ui.services.pin.is_set()
        assert ui.launcher.window is None and wizard.isVisible()

        _finish(wizard, qtbot, "12", "12")
        qtbot.wait(300)
        assert page.error.text() == "Le code gérant fait 4 à 8 chiffres."
        assert not ui.services.pin.is_set()
        assert ui.launcher.window is None and wizard.isVisible()
        SHOTS.mkdir(parents=True, exist_ok=True)
        wizard.grab().save(str(SHOTS / "pin-wizard-refused.png"))

        _finish(wizard, qtbot, "1234", "1234")
        qtbot.waitUntil(lambda: ui.launcher.window is not None, timeout=15000)
        assert ui.services.pin.check("1234")
        qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=5000)
        assert ui.launcher.window.isVisible()
    finally:
        ui.close(qapp)


PINS = st.one_of(
    st.text(max_size=10),
    st.from_regex(r"[0-9]{0,10}", fullmatch=True),
    st.text(alphabet=st.characters(categories=["Nd", "No"]), min_size=4, max_size=8),
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pin=PINS, again=PINS)
def test_the_pin_page_lets_through_only_two_equal_pins_of_4_to_8_digits(qtbot, pin, again):
    page = PinPage(None)  # type: ignore[arg-type]  # the page reads its wizard only on Finish
    qtbot.addWidget(page)
    page.pin.setText(pin)
    page.again.setText(again)
    accepted = page.validatePage()
    valid = pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8 and pin == again
    assert accepted == valid
    assert accepted or page.error.text() in (
        "Le code gérant fait 4 à 8 chiffres.",
        "Les deux codes diffèrent.",
    )
