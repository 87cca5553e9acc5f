"""The manager panel: day receipts, closing the day (Z), exports, reconciliation, follow-ups."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from pos.ui.services import Services


class ManagerPanel(QWidget):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.s = services
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Gestion")))

    def activate(self) -> None:
        pass
