"""Opening the real windows on an enrolled terminal, for the UI tests and the benchmark."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

DEMO_PIN = "1234"


@dataclass
class Counter:
    terminal: Any
    services: Any
    prompts: Any
    launcher: Any

    @property
    def window(self) -> Any:
        return self.launcher.window

    @property
    def counter(self) -> Any:
        return self.launcher.window.counter

    def close(self, qapp: Any) -> None:
        if self.launcher.wedge is not None:
            qapp.removeEventFilter(self.launcher.wedge)
        if self.launcher.window is not None:
            self.launcher.window._heartbeat.stop()
            self.launcher.window.close()
        self.services.runner.shutdown(wait=True)
        self.terminal.close()


def open_counter(
    qapp: Any, data_dir: Path, server_url: str | None, *, partner=("L212", "Demo-L212")
):
    """Enrol a fresh terminal (unless server_url is None) and open the windows on it."""
    from pos.ui.app import make_services, open_terminal
    from pos.ui.launcher import Launcher
    from pos.ui.prompts import ScriptedPrompts

    terminal = open_terminal(data_dir)
    if server_url is not None:
        terminal.enroll(
            server_url=server_url, partner_code=partner[0], password=partner[1], label="Test UI"
        )
    prompts = ScriptedPrompts()
    services = make_services(terminal, data_dir, prompts=prompts)
    services.sounds.enabled = False  # record, do not play
    if server_url is not None:
        services.pin.set(DEMO_PIN)
    launcher = Launcher(services, qapp)
    launcher.start()
    return Counter(terminal, services, prompts, launcher)


def card_qr(server_url: str, card_number: str, password: str) -> str:
    """A signed card QR, as the beneficiary's app shows it (beneficiary API of the demo)."""
    session = requests.post(
        f"{server_url}/v1/beneficiary/session",
        json={"card_number": card_number, "password": password},
        timeout=10,
    )
    session.raise_for_status()
    token = session.json()["token"]
    qr = requests.post(
        f"{server_url}/v1/beneficiary/qr", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    qr.raise_for_status()
    return str(qr.json()["qr_token"])


def pay_at_counter(qtbot: Any, counter: Any, card_number: str, amount: str, wait_ms: int) -> None:
    """Type a card number, Enter, the first wallet, the amount, Enter: the result page shows."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    counter.input.setFocus()
    QTest.keyClicks(counter.input, card_number, delay=30)
    QTest.keyClick(counter.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.CARD, timeout=wait_ms)
    counter.pay_panel.group.buttons()[0].setChecked(True)
    QTest.keyClicks(counter.pay_panel.amount, amount, delay=30)
    QTest.keyClick(counter.pay_panel.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: counter.pages.currentIndex() == counter.RESULT, timeout=wait_ms)
