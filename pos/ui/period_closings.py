"""The manager tab's list of month and year closings (issue 14): period, operations, net, the
perpetual grand total, the journal seq and the closing's fingerprint (first 8 hex of its hash).
Filled from `Terminal.period_closings()`, read on the engine lane."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.periods import PeriodClosing
from pos.ui import texts

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class PeriodClosingsBox(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Clôtures mensuelles et annuelles"), parent)
        headers = [
            self.tr("Période"),
            self.tr("Opérations"),
            self.tr("Total de la période"),
            self.tr("Grand total perpétuel"),
            self.tr("N° journal"),
            self.tr("Empreinte"),
        ]
        self.table = QTableWidget(0, len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setMaximumHeight(110)  # a few rows; the day's tables keep the room
        QVBoxLayout(self).addWidget(self.table)
        self.hide()  # until there is a closing: the day's tables keep the room

    def show_closings(self, closings: list[PeriodClosing]) -> None:
        self.setVisible(bool(closings))
        self.table.setRowCount(len(closings))
        for r, c in enumerate(closings):
            period = (
                c.period if c.kind == "month" else self.tr("Année {year}").format(year=c.period)
            )
            values = [
                period,
                str(c.count),
                texts.money(c.net_amount_cents),
                texts.money(c.grand_total_cents),
                str(c.seq),
                c.hash[:8],
            ]
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if col in (1, 2, 3, 4):
                    item.setTextAlignment(RIGHT)
                self.table.setItem(r, col, item)
