"""Asking for the manager PIN before a manager action (set the first time one is needed)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from pos.ui.services import Services


def valid_pin(pin: str | None) -> bool:
    # ASCII digits only: str.isdigit() also takes "١٢٣٤" or "²³", which no keypad types.
    return pin is not None and pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8


def with_manager_pin(services: Services, parent: QWidget | None, then: Callable[[], None]) -> None:
    """Run `then()` on the GUI thread once the manager PIN was given (keyring work off-thread)."""
    runner, prompts, pin = services.runner, services.prompts, services.pin

    def set_first(is_set: bool) -> None:
        if is_set:
            ask()
            return
        first = prompts.ask_text(
            parent,
            QCoreApplication.translate("ManagerPin", "Code gérant"),
            QCoreApplication.translate(
                "ManagerPin",
                "Aucun code gérant sur ce terminal. Choisissez-en un (4 à 8 chiffres) :",
            ),
            secret=True,
        )
        if first is None:
            return
        again = prompts.ask_text(
            parent,
            QCoreApplication.translate("ManagerPin", "Code gérant"),
            QCoreApplication.translate("ManagerPin", "Confirmez le code :"),
            secret=True,
        )
        if not valid_pin(first) or first != again:
            prompts.warn(
                parent,
                QCoreApplication.translate("ManagerPin", "Code gérant"),
                QCoreApplication.translate(
                    "ManagerPin",
                    "Les deux codes diffèrent ou ne font pas 4 à 8 chiffres : rien n'a changé.",
                ),
            )
            return
        runner.run_task(lambda: pin.set(first), on_done=lambda _: then(), lane="background")

    def ask() -> None:
        given = prompts.ask_text(
            parent,
            QCoreApplication.translate("ManagerPin", "Code gérant"),
            QCoreApplication.translate("ManagerPin", "Code gérant pour cette opération :"),
            secret=True,
        )
        if given is None:
            return

        def checked(ok: bool) -> None:
            if ok:
                then()
            else:
                prompts.warn(
                    parent,
                    QCoreApplication.translate("ManagerPin", "Code gérant"),
                    QCoreApplication.translate("ManagerPin", "Code gérant incorrect."),
                )

        runner.run_task(lambda: pin.check(given), on_done=checked, lane="background")

    runner.run_task(pin.is_set, on_done=set_first, lane="background")
