"""The manager panel: day receipts, closing the day (Z), exports, reconciliation, follow-ups.

All figures come from the facade (`report`, `reconcile`, `follow_ups`, `close_day`) on the engine
lane; exports are written on the background lane. Differences between the terminal's journal
and the central service's statement are highlighted in red.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.results import DayClosing, DayReport, FollowUp, Reconciliation
from pos.ui import texts
from pos.ui.day_report import day_tables, report_csv, report_html, write_pdf
from pos.ui.manager_pin import with_manager_pin
from pos.ui.period_closings import PeriodClosingsBox
from pos.ui.services import Services
from pos.ui.tasks import Operation

DIFF_BRUSH = QBrush(QColor("#ffd7d4"))


def _table(headers: list[str], stretch: int = 0) -> QTableWidget:
    """A read-only table sized to its contents, the `stretch` column taking the rest."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    # A long label ("Encaissement de prépaiement") wraps onto a second line instead of being cut.
    table.setWordWrap(True)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


def _fill(table: QTableWidget, rows: list[list[str]], highlight: list[bool] | None = None) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            if (c > 0 and text[:1].isdigit()) or text.startswith("-"):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if highlight and highlight[r]:
                item.setBackground(DIFF_BRUSH)
            table.setItem(r, c, item)


class ManagerPanel(QWidget):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.s = services
        self.report: DayReport | None = None
        self.day = QDateEdit(texts.business_today())
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("dd/MM/yyyy")
        self.day.dateChanged.connect(lambda _d: self.reload())
        refresh = QPushButton(self.tr("Actualiser"))
        refresh.clicked.connect(self.reload)
        self.close_button = QPushButton(self.tr("Clôturer la journée (Z)…"))
        self.close_button.setObjectName("danger")
        self.close_button.clicked.connect(self.close_day)
        self.csv_button = QPushButton(self.tr("Exporter CSV"))
        self.csv_button.clicked.connect(lambda: self.export("csv"))
        self.pdf_button = QPushButton(self.tr("Exporter PDF"))
        self.pdf_button.clicked.connect(lambda: self.export("pdf"))
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Jour")))
        bar.addWidget(self.day)
        bar.addWidget(refresh)
        bar.addStretch(1)
        bar.addWidget(self.csv_button)
        bar.addWidget(self.pdf_button)
        bar.addWidget(self.close_button)

        self.summary = QLabel()
        self.summary.setObjectName("walletBalance")
        self.closed = QLabel()
        self.closed.setObjectName("hint")
        self.note = QLabel()
        self.note.setWordWrap(True)
        count, amount = self.tr("Nombre"), self.tr("Montant")
        self.by_wallet = _table([self.tr("Porte-monnaie"), count, amount])
        self.by_kind = _table([self.tr("Type"), count, amount])
        self.by_terminal = _table([self.tr("Terminal"), count, amount])
        self.reconciliation = _table(
            [self.tr("Rubrique"), self.tr("Terminal"), self.tr("Service central"), self.tr("Écart")]
        )
        self.follow_ups = _table(
            [self.tr("Date"), self.tr("Opération"), self.tr("Carte"), amount, self.tr("Motif")], 4
        )
        self.differences = QLabel()
        self.differences.setObjectName("walletWhy")
        self.differences.setWordWrap(True)
        grid = QGridLayout()
        for i, (title, table) in enumerate(
            (
                (self.tr("Par porte-monnaie"), self.by_wallet),
                (self.tr("Par type"), self.by_kind),
                (self.tr("Par terminal"), self.by_terminal),
            )
        ):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(table)
            grid.addWidget(box, 0, i)
            if table is self.by_terminal:
                self.by_terminal_box = box
        rec_box = QGroupBox(self.tr("Rapprochement avec le relevé du service central"))
        rec_layout = QVBoxLayout(rec_box)
        rec_layout.addWidget(self.reconciliation)
        rec_layout.addWidget(self.differences)
        fu_box = QGroupBox(self.tr("Opérations refusées à la synchronisation (à régler)"))
        QVBoxLayout(fu_box).addWidget(self.follow_ups)
        for column in range(3):
            grid.setColumnStretch(column, 1)
        grid.addWidget(rec_box, 1, 0, 1, 2)
        grid.addWidget(fu_box, 1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        head = QHBoxLayout()
        head.addWidget(self.summary)
        head.addStretch(1)
        head.addWidget(self.closed)
        layout.addLayout(head)
        layout.addLayout(grid, 1)
        self.periods = PeriodClosingsBox()  # month and year closings (issue 14)
        layout.addWidget(self.periods)
        layout.addWidget(self.note)

    def activate(self) -> None:
        self.reload()

    def selected_day(self) -> date:
        q = self.day.date()
        return date(q.year(), q.month(), q.day())

    def reload(self) -> None:
        day, terminal = self.selected_day(), self.s.terminal
        Operation(self.s.runner, lambda: terminal.report(day)).success(self._show_report).failure(
            self._failed
        ).run()
        Operation(self.s.runner, lambda: terminal.reconcile(day)).success(
            self._show_reconciliation
        ).failure(self._reconcile_failed).run()
        Operation(self.s.runner, terminal.follow_ups).success(self._show_follow_ups).failure(
            self._failed
        ).run()
        Operation(self.s.runner, terminal.period_closings).success(
            self.periods.show_closings
        ).failure(self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        self.note.setText(texts.error(exc))

    def _reconcile_failed(self, exc: BaseException) -> None:
        self.reconciliation.setRowCount(0)
        self.note.setText(self.tr("Rapprochement impossible : {why}").format(why=texts.error(exc)))

    def _show_report(self, report: DayReport) -> None:
        self.report = report
        self.summary.setText(
            self.tr("Net du jour : {amount} — {count} transaction(s)").format(
                amount=texts.money(report.net_amount_cents), count=report.count
            )
        )
        self.closed.setText(
            self.tr("Journée clôturée") if report.closed else self.tr("Journée ouverte")
        )
        self.close_button.setEnabled(not report.closed)
        tables = day_tables(report)

        def rows(section: str) -> list[list[str]]:
            return [
                [texts.kind(k) if section == "by_kind" else k, str(n), texts.money(c)]
                for k, n, c in tables[section]
            ]

        _fill(self.by_wallet, rows("by_wallet"))
        _fill(self.by_kind, rows("by_kind"))
        # This till's own line for now; the central statement, which follows on the same lane,
        # replaces it with every terminal of the shop (`_show_shop_terminals`).
        self.by_terminal_box.setTitle(self.tr("Par terminal"))
        _fill(self.by_terminal, rows("by_terminal"))

    def _show_shop_terminals(self, statement: dict[str, Any] | None) -> None:
        """Every terminal of the shop and the extranet, from the central statement; without
        it, the table keeps this till's own line from its journal."""
        if not statement:
            return
        self.by_terminal_box.setTitle(self.tr("Par terminal (relevé du service central)"))
        rows = []
        for line in statement.get("by_terminal") or []:
            if line.get("terminal_id") is None:
                label = QCoreApplication.translate("Texts", "Extranet bénéficiaire")
            else:
                label = str(line.get("label") or str(line.get("terminal_id"))[:8])
            rows.append(
                [label, str(line.get("count", 0)), texts.money(int(line.get("amount_cents", 0)))]
            )
        _fill(self.by_terminal, rows)

    def _show_reconciliation(self, rec: Reconciliation) -> None:
        self._show_shop_terminals(rec.statement)

        def show(v: int | None, money: bool) -> str:
            if v is None:
                return "—"
            return texts.money(v) if money else str(v)

        lines = [
            (self.tr("Nombre de transactions"), rec.local_count, rec.central_count, False),
            (self.tr("Montant net"), rec.local_amount_cents, rec.central_amount_cents, True),
        ]
        table, flags = [], []
        for label, local, central, money in lines:
            diff = None if central is None else local - central
            table.append([label, show(local, money), show(central, money), show(diff, money)])
            flags.append(bool(diff))
        _fill(self.reconciliation, table, flags)
        self.differences.setText("\n".join(texts.refusal(None, d) for d in rec.differences))
        if rec.matches:
            self.note.setText(self.tr("Rapprochement : aucun écart avec le service central."))
        else:
            self.note.setText(self.tr("Rapprochement : écarts surlignés en rouge, à vérifier."))

    def _show_follow_ups(self, items: list[FollowUp]) -> None:
        rows = []
        for f in items:
            rows.append(
                [
                    f.occurred_at.astimezone().strftime("%d/%m %H:%M"),
                    self.tr("Paiement") if f.operation == "payment" else self.tr("Encaissement"),
                    f.card_number or (f.ticket_number or ""),
                    texts.money(f.amount_cents),
                    texts.refusal(f.code, f.message),
                ]
            )
        _fill(self.follow_ups, rows, [True] * len(rows))

    # -- actions ---------------------------------------------------------------------------------
    def close_day(self) -> None:
        day = self.selected_day()

        def go() -> None:
            if not self.s.prompts.confirm(
                self,
                self.tr("Clôture"),
                self.tr(
                    "Clôturer la journée du {day} ? Plus aucune opération ne pourra y être ajoutée."
                ).format(day=day.strftime("%d/%m/%Y")),
            ):
                return
            terminal = self.s.terminal
            Operation(self.s.runner, lambda: terminal.close_day(day)).success(self._closed).failure(
                self._failed
            ).run()

        with_manager_pin(self.s, self, go)

    def _closed(self, _closing: DayClosing) -> None:
        self.note.setText(self.tr("Journée clôturée (Z)."))
        self.reload()

    def export(self, kind: str) -> None:
        if self.report is None:
            self.note.setText(self.tr("Rien à exporter : actualisez d'abord."))
            return
        day, report = self.selected_day(), self.report
        partner = self.s.partner.name if self.s.partner else ""
        folder = self.s.settings.data_dir / "exports"
        path = folder / f"recettes-{day.isoformat()}.{kind}"
        if kind == "csv":
            content = report_csv(report)

            def job() -> Path:
                folder.mkdir(parents=True, exist_ok=True)
                part = path.with_name(path.name + ".part")
                part.write_text(content, encoding="utf-8-sig")
                part.replace(path)
                return path
        else:
            html_text = report_html(report, day, partner)

            def job() -> Path:
                return write_pdf(html_text, path)

        self.s.runner.run_task(
            job,
            on_done=lambda p: self.note.setText(self.tr("Exporté : {path}").format(path=p)),
            on_error=lambda e: self.note.setText(
                self.tr("Export impossible : {why}").format(why=texts.error(e))
            ),
            lane="background",
        )
        self.last_export = path
