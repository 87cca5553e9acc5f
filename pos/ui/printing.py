"""Getting a receipt out (PDF file or ESC/POS printer, per the settings) without blocking."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from pos.settings import PRINTER_KIND, PRINTER_TARGET
from pos.ui import receipts
from pos.ui.settings import Settings
from pos.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from pos.results import Receipt


class ReceiptDesk:
    def __init__(self, runner: TaskRunner, settings: Settings) -> None:
        self._runner = runner
        self._settings = settings

    def pdf_path(self, receipt: Receipt, *, duplicate: bool = False) -> Path:
        number = receipt.transaction_number or receipt.ticket_number or "recu"
        suffix = "-duplicata" if duplicate else ""
        return (
            self._settings.receipts_dir()
            / f"recu-{re.sub(r'[^0-9A-Za-z-]', '', number)}{suffix}.pdf"
        )

    def save_pdf(
        self, receipt: Receipt, done: Callable[[str], None], *, duplicate: bool = False
    ) -> None:
        path = self.pdf_path(receipt, duplicate=duplicate)
        self._runner.run_task(
            lambda: receipts.write_pdf(receipt, path, duplicate=duplicate),
            on_done=lambda p: done(
                QCoreApplication.translate("ReceiptDesk", "Reçu enregistré : {path}").format(path=p)
            ),
            on_error=lambda e: done(
                QCoreApplication.translate("ReceiptDesk", "Le reçu PDF n'a pas pu être enregistré.")
            ),
            lane="background",
        )

    def print(
        self, receipt: Receipt, done: Callable[[str], None], *, duplicate: bool = False
    ) -> None:
        """Print on the configured ESC/POS printer, or save a PDF when the setting says PDF."""
        kind = self._settings.get(PRINTER_KIND)
        if kind == "pdf":
            self.save_pdf(receipt, done, duplicate=duplicate)
            return
        target = self._settings.get(PRINTER_TARGET)

        def send() -> None:
            printer = receipts.open_printer(kind, target)
            try:
                receipts.escpos_print(printer, receipt, duplicate=duplicate)
            finally:
                printer.close()

        self._runner.run_task(
            send,
            on_done=lambda _: done(QCoreApplication.translate("ReceiptDesk", "Reçu imprimé.")),
            on_error=lambda e: done(
                QCoreApplication.translate(
                    "ReceiptDesk",
                    "Imprimante injoignable : vérifiez-la ou enregistrez le reçu en PDF.",
                )
            ),
            lane="background",
        )
