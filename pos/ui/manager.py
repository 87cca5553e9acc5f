"""The manager panel: day receipts, closing the day (Z), exports, reconciliation, follow-ups.

All figures come from the facade (`report`, `reconcile`, `follow_ups`, `close_day`) on the engine
lane; exports are written on the background lane. Differences between the terminal's journal
and the central service's statement are highlighted in red.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos import settings as config
from pos.daybook import closable_from
from pos.domain import utc_now
from pos.results import (
    DayClosing,
    DayReport,
    FollowUp,
    Reconciliation,
    TerminalStatus,
    TransactionView,
)
from pos.ui import texts
from pos.ui.day_report import (
    day_tables,
    report_html,
    shown_key,
    statement_tables,
    transactions_csv,
    write_pdf,
)
from pos.ui.keys import shortcut_button
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
        self.statement: dict[str, Any] | None = None
        self._was_online: bool | None = None
        refresh = shortcut_button(self.tr("Actualiser F5"), "F5", self.reload)
        self.close_button = shortcut_button(
            self.tr("Clôturer (Z)… Ctrl+K"), "Ctrl+K", self.close_day
        )
        self.close_button.setObjectName("danger")
        self.csv_button = shortcut_button(
            self.tr("Exporter CSV… Ctrl+E"), "Ctrl+E", lambda: self.export("csv")
        )
        self.pdf_button = shortcut_button(
            self.tr("Rapport PDF… Ctrl+P"), "Ctrl+P", lambda: self.export("pdf")
        )
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
        self.summary.setWordWrap(True)  # the shop's net and this till's: long at 1366 px
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
        head.addWidget(self.summary, 1)
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
        self.statement = None
        self.summary.setText(
            self.tr("Ce terminal : {amount} — {count} transaction(s)").format(
                amount=texts.money(report.net_amount_cents), count=report.count
            )
        )
        self.closed.setText(
            self.tr("Journée clôturée") if report.closed else self.tr("Journée ouverte")
        )
        self.close_button.setEnabled(not report.closed)
        tables = day_tables(report)

        def rows(section: str) -> list[list[str]]:
            return [[shown_key(section, k), str(n), texts.money(c)] for k, n, c in tables[section]]

        _fill(self.by_wallet, rows("by_wallet"))
        _fill(self.by_kind, rows("by_kind"))
        # This till's own line for now; the central statement, which follows on the same lane,
        # replaces it with every terminal of the shop (`_show_shop_terminals`).
        self.by_terminal_box.setTitle(self.tr("Par terminal"))
        _fill(self.by_terminal, rows("by_terminal"))

    def _show_shop(self, statement: dict[str, Any] | None, mine: int) -> None:
        """The whole shop from the central statement: by wallet, by kind, every terminal and the
        extranet, and "Net du jour" as the shop's day; without it, this till's own figures stay."""
        self.statement = statement
        if not statement:
            return
        tables = statement_tables(statement)
        for section, table in (("by_wallet", self.by_wallet), ("by_kind", self.by_kind)):
            _fill(
                table,
                [[shown_key(section, k), str(n), texts.money(c)] for k, n, c in tables[section]],
            )
        self.by_terminal_box.setTitle(self.tr("Par terminal (relevé du service central)"))
        _fill(self.by_terminal, [[k, str(n), texts.money(c)] for k, n, c in tables["by_terminal"]])
        self.summary.setText(
            self.tr(
                "Net du jour : {amount} — {count} transaction(s) — dont ce terminal : {mine}"
            ).format(
                amount=texts.money(int(statement.get("net_amount_cents") or 0)),
                count=int(statement.get("transaction_count") or 0),
                mine=texts.money(mine),
            )
        )

    def on_status(self, status: TerminalStatus) -> None:
        """The figures refresh by themselves when the service comes back (shown tab only)."""
        came_back = status.online and self._was_online is False
        self._was_online = status.online
        if came_back and self.isVisible():
            self.reload()

    def _show_reconciliation(self, rec: Reconciliation) -> None:
        self._show_shop(rec.statement, rec.local_amount_cents)

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
        self.differences.setText("\n".join(texts.difference(d) for d in rec.differences))
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
        if utc_now() < closable_from(day):
            # The running day closes once it is over (pos/daybook.py): said before the PIN.
            self.note.setText(texts.refusal("closing_running_day"))
            self.s.prompts.inform(self, self.tr("Clôture"), self.note.text())
            return

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
        """CSV (one line per transaction) or the PDF report, saved where the manager says
        ("Enregistrer sous", the folder remembered), never silently into the data folder."""
        if self.report is None:
            self.note.setText(self.tr("Rien à exporter : actualisez d'abord."))
            return
        day, report, statement = self.selected_day(), self.report, self.statement
        folder = self.s.settings.get(config.EXPORTS_DIR) or str(Path.home())
        suggested = Path(folder) / f"recettes-{day.isoformat()}.{kind}"
        filters = self.tr("CSV (*.csv)") if kind == "csv" else self.tr("PDF (*.pdf)")
        path = self.s.prompts.ask_save_path(self, self.tr("Enregistrer sous"), suggested, filters)
        if path is None:
            return
        if path.suffix.lower() != f".{kind}":
            path = path.with_name(path.name + f".{kind}")
        self.s.settings.set(config.EXPORTS_DIR, str(path.parent))
        partner, terminal = self.s.partner, self.s.terminal
        if kind == "csv":
            holders = {v.transaction_id: v.holder_name for v in report.transactions}

            def job() -> Path:
                views = [_with_holder(v, holders) for v in terminal.transactions(day=day)]
                content = transactions_csv(views, partner, report.terminal_labels)
                part = path.with_name(path.name + ".part")
                part.write_text(content, encoding="utf-8-sig")
                part.replace(path)
                return path
        else:
            html_text = report_html(report, day, partner.name if partner else "", statement)

            def job() -> Path:
                return write_pdf(html_text, path)

        self.last_export = path
        self.s.runner.run_task(
            job,
            on_done=lambda p: self.note.setText(self.tr("Exporté : {path}").format(path=p)),
            on_error=lambda e: self.note.setText(
                self.tr("Export impossible : {why}").format(why=texts.error(e))
            ),
            lane="engine" if kind == "csv" else "background",
        )


def _with_holder(view: TransactionView, holders: dict[str | None, str | None]) -> TransactionView:
    """The holder's name from this terminal's journal (the service's list does not carry it)."""
    name = view.holder_name or holders.get(view.transaction_id)
    return replace(view, holder_name=name) if name and view.transaction_id else view
