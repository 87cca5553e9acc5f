"""The manager panel: day receipts, closing the day (Z), exports, reconciliation, follow-ups.

All figures come from the facade (`report`, `reconcile`, `follow_ups`, `close_day`) on the engine
lane; exports are written on the background lane. Differences between the terminal's journal
and the central service's statement are highlighted in red.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, Qt
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

from pos.ui import texts
from pos.ui.manager_pin import with_manager_pin
from pos.ui.services import Services
from pos.ui.tasks import Operation

DIFF_BRUSH = QBrush(QColor("#ffd7d4"))


def _rows(report: Any, name: str) -> list[Any]:
    value = getattr(report, name, None)
    if value is None and isinstance(report, dict):
        value = report.get(name)
    return list(value or [])


def _field(row: Any, *names: str, default: Any = "") -> Any:
    for n in names:
        v = row.get(n) if isinstance(row, dict) else getattr(row, n, None)
        if v is not None:
            return v
    return default


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    return table


def _fill(table: QTableWidget, rows: list[list[str]], highlight: list[bool] | None = None) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if (c > 0 and text[:1].isdigit()) or text.startswith("-"):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if highlight and highlight[r]:
                item.setBackground(DIFF_BRUSH)
            table.setItem(r, c, item)


def report_csv(report: Any) -> str:
    """The day's totals as CSV (semicolon-separated, French spreadsheet habit)."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=";")
    w.writerow(["section", "cle", "nombre", "montant_euros"])
    for section, key_names in (
        ("by_wallet", ("wallet_code",)),
        ("by_kind", ("kind",)),
        ("by_terminal", ("label", "terminal_id")),
    ):
        for row in _rows(report, section):
            cents = int(_field(row, "amount_cents", default=0))
            w.writerow(
                [
                    section,
                    _field(row, *key_names),
                    _field(row, "count", default=0),
                    f"{cents / 100:.2f}".replace(".", ","),
                ]
            )
    net = int(_field(report, "net_amount_cents", default=0))
    w.writerow(
        [
            "total",
            "net",
            _field(report, "transaction_count", default=0),
            f"{net / 100:.2f}".replace(".", ","),
        ]
    )
    return out.getvalue()


def report_html(report: Any, day: date, partner_name: str) -> str:
    def tr(text: str) -> str:
        return QCoreApplication.translate("ManagerPanel", text)

    parts = [
        f"<h2>{partner_name}</h2><h3>"
        + tr("Recettes du {day}").format(day=day.strftime("%d/%m/%Y"))
        + "</h3>"
    ]
    for section, title in (
        ("by_wallet", tr("Par porte-monnaie")),
        ("by_kind", tr("Par type")),
        ("by_terminal", tr("Par terminal")),
    ):
        cells = []
        for r in _rows(report, section):
            key = (
                texts.kind(_field(r, "kind"))
                if section == "by_kind"
                else _field(r, "wallet_code", "label", "terminal_id")
            )
            count = _field(r, "count", default=0)
            amount = texts.money(int(_field(r, "amount_cents", default=0)))
            cells.append(
                f"<tr><td>{key}</td><td align='right'>{count}</td>"
                f"<td align='right'>{amount}</td></tr>"
            )
        rows = "".join(cells)
        parts.append(
            f"<h4>{title}</h4><table width='100%' border='1' cellspacing='0'>{rows}</table>"
        )
    parts.append(
        "<p><b>"
        + tr("Net : {amount} ({count} transactions)").format(
            amount=texts.money(int(_field(report, "net_amount_cents", default=0))),
            count=_field(report, "transaction_count", default=0),
        )
        + "</b></p>"
    )
    return "".join(parts)


def write_pdf(html_text: str, path: Path) -> Path:
    from PySide6.QtGui import QPageSize, QPdfWriter, QTextDocument

    path.parent.mkdir(parents=True, exist_ok=True)
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    doc = QTextDocument()
    doc.setHtml(html_text)
    doc.print_(writer)
    return path


class ManagerPanel(QWidget):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.s = services
        self.report: Any = None
        self.day = QDateEdit(QDate.currentDate())
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
            [self.tr("Date"), self.tr("Opération"), self.tr("Carte"), amount, self.tr("Motif")]
        )
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
        rec_box = QGroupBox(self.tr("Rapprochement avec le relevé du service central"))
        QVBoxLayout(rec_box).addWidget(self.reconciliation)
        fu_box = QGroupBox(self.tr("Opérations refusées à la synchronisation (à régler)"))
        QVBoxLayout(fu_box).addWidget(self.follow_ups)
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

    def _failed(self, exc: BaseException) -> None:
        self.note.setText(texts.error(exc))

    def _reconcile_failed(self, exc: BaseException) -> None:
        self.reconciliation.setRowCount(0)
        self.note.setText(self.tr("Rapprochement impossible : {why}").format(why=texts.error(exc)))

    def _show_report(self, report: Any) -> None:
        self.report = report
        net = int(_field(report, "net_amount_cents", default=0))
        self.summary.setText(
            self.tr("Net du jour : {amount} — {count} transaction(s)").format(
                amount=texts.money(net), count=_field(report, "transaction_count", default=0)
            )
        )
        closed = _field(report, "closed", "closed_at", default=None)
        self.closed.setText(self.tr("Journée clôturée") if closed else self.tr("Journée ouverte"))
        self.close_button.setEnabled(not closed)

        def rows(section: str, key: Any) -> list[list[str]]:
            return [
                [
                    key(r),
                    str(_field(r, "count", default=0)),
                    texts.money(int(_field(r, "amount_cents", default=0))),
                ]
                for r in _rows(report, section)
            ]

        _fill(self.by_wallet, rows("by_wallet", lambda r: str(_field(r, "wallet_code"))))
        _fill(self.by_kind, rows("by_kind", lambda r: texts.kind(_field(r, "kind"))))
        _fill(
            self.by_terminal,
            rows("by_terminal", lambda r: str(_field(r, "label", "terminal_id", default="—"))),
        )

    def _show_reconciliation(self, rec: Any) -> None:
        lines = _rows(rec, "lines") or _rows(rec, "rows")
        table, flags = [], []
        for line in lines:
            local = _field(line, "local_cents", "terminal_cents", "local", default=None)
            central = _field(line, "central_cents", "central", default=None)
            diff = _field(line, "difference_cents", "diff_cents", default=None)
            if diff is None and isinstance(local, int) and isinstance(central, int):
                diff = local - central

            def show(v: Any) -> str:
                return texts.money(v) if isinstance(v, int) else str(v if v is not None else "—")

            table.append(
                [str(_field(line, "label", "key", "what")), show(local), show(central), show(diff)]
            )
            flags.append(bool(diff))
        _fill(self.reconciliation, table, flags)
        if lines and not any(flags):
            self.note.setText(self.tr("Rapprochement : aucun écart avec le service central."))
        elif any(flags):
            self.note.setText(
                self.tr("Rapprochement : {count} écart(s) surligné(s) en rouge.").format(
                    count=sum(flags)
                )
            )

    def _show_follow_ups(self, items: list[Any]) -> None:
        rows = []
        for f in items:
            at = _field(f, "occurred_at", default="")
            rows.append(
                [
                    at.astimezone().strftime("%d/%m %H:%M")
                    if hasattr(at, "astimezone")
                    else str(at),
                    texts.kind(_field(f, "kind", "operation")),
                    str(_field(f, "card_number", "ticket_number")),
                    texts.money(int(_field(f, "amount_cents", default=0))),
                    texts.refusal(
                        _field(f, "code", default=None), _field(f, "message", default=None)
                    ),
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

    def _closed(self, closing: Any) -> None:
        self.note.setText(self.tr("Journée clôturée (Z)."))
        self.reload()

    def export(self, kind: str) -> None:
        if self.report is None:
            self.note.setText(self.tr("Rien à exporter : actualisez d'abord."))
            return
        day, report = self.selected_day(), self.report
        partner = getattr(getattr(self.s.terminal, "partner", None), "name", "") or ""
        folder = self.s.settings.data_dir / "exports"
        path = folder / f"recettes-{day.isoformat()}.{kind}"
        if kind == "csv":
            content = report_csv(report)

            def job() -> Path:
                folder.mkdir(parents=True, exist_ok=True)
                path.write_text(content, encoding="utf-8-sig")
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
