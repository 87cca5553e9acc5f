"""`hdf-pos --demo`: the embedded demo service starts, the terminal enrols against it with secrets
in memory only, the counter can look a demo card up, and stopping removes everything."""

from __future__ import annotations

import keyring
from ui_harness import open_counter

from pos.ui import demo


def test_demo_service_enrols_and_cleans_up(qapp, qtbot):
    central = demo.DemoCentral.start()
    try:
        assert central.root.exists()
        ui = open_counter(qapp, central.terminal_dir, None)
        try:
            central.enrol(ui.terminal, ui.services.pin)
            assert ui.terminal.is_enrolled()
            assert ui.services.pin.check(demo.DEMO_PIN)
            assert type(keyring.get_keyring()).__name__ == "MemoryKeyring"
            card = ui.terminal.lookup("23166621")
            assert card.holder_name == "Jean MARTIN"
        finally:
            ui.close(qapp)
    finally:
        central.stop()
    assert not central.root.exists()
    assert central.process.poll() is not None
