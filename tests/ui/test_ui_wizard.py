"""First run: the wizard enrols the terminal against the real service and stores the manager PIN."""

from __future__ import annotations

from conftest import shot
from ui_harness import open_counter


def test_first_run_wizard_enrols_and_opens_the_counter(central, tmp_path, qtbot, qapp):
    ui = open_counter(qapp, tmp_path / "terminal", None)
    try:
        wizard = ui.launcher.wizard
        assert wizard is not None and ui.launcher.window is None
        qtbot.addWidget(wizard)
        qtbot.waitExposed(wizard)
        page = wizard.enrol_page
        shot(wizard, "00-wizard-enrol")

        page.url.setText(central.url)
        page.code.setText("L212")
        page.password.setText("mauvais-mot-de-passe")
        wizard.next()
        qtbot.waitUntil(lambda: not page.busy, timeout=15000)
        assert page.error.text() == "Code partenaire ou mot de passe refusé par le service central."
        assert wizard.currentPage() is page
        shot(wizard, "00-wizard-refused")

        page.password.setText("Demo-L212")
        wizard.next()
        qtbot.waitUntil(lambda: wizard.currentPage() is wizard.pin_page, timeout=15000)
        pin = wizard.pin_page
        pin.pin.setText("4321")
        pin.again.setText("4312")
        wizard.next()  # on the last page: validatePage refuses the mismatch
        assert pin.error.text() == "Les deux codes diffèrent."
        pin.again.setText("4321")
        shot(wizard, "00-wizard-pin")
        wizard.accept()
        qtbot.waitUntil(lambda: ui.launcher.window is not None, timeout=15000)
        assert ui.terminal.is_enrolled()
        assert ui.services.pin.check("4321") and not ui.services.pin.check("1234")
        assert "LES PAGES" in ui.launcher.window.windowTitle()
    finally:
        ui.close(qapp)
