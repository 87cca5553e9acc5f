"""The day's figures as the manager reads them: totals by wallet, kind and terminal, as CSV or PDF.

Pure functions of a `DayReport` (no widget): `ManagerPanel` shows them, the exports write them
on the background lane.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from pos.ui import texts

if TYPE_CHECKING:
    from pos.results import DayReport


def day_tables(report: DayReport) -> dict[str, list[tuple[str, int, int]]]:
    """(key, count, signed amount) by wallet, kind and terminal, from the day's transactions."""
    extranet = QCoreApplication.translate("Texts", "Extranet bénéficiaire")
    groups: dict[str, dict[str, list[int]]] = {"by_wallet": {}, "by_kind": {}, "by_terminal": {}}
    labels = report.terminal_labels
    for t in report.transactions:
        sign = -1 if t.kind == "cancellation" else 1
        if t.channel == "extranet":
            terminal = extranet
        else:
            terminal_id = t.terminal_id or ""
            terminal = labels.get(terminal_id) or terminal_id[:8] or "—"
        for section, key in (
            ("by_wallet", t.wallet_code),
            ("by_kind", t.kind),
            ("by_terminal", terminal),
        ):
            acc = groups[section].setdefault(str(key), [0, 0])
            acc[0] += 1
            acc[1] += sign * int(t.amount_cents)
    return {
        section: [(k, v[0], v[1]) for k, v in sorted(rows.items())]
        for section, rows in groups.items()
    }


def report_csv(report: DayReport) -> str:
    """The day's totals as CSV (semicolon-separated, French spreadsheet habit)."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=";")
    w.writerow(["section", "cle", "nombre", "montant_euros"])
    for section, rows in day_tables(report).items():
        for key, count, cents in rows:
            w.writerow([section, key, count, f"{cents / 100:.2f}".replace(".", ",")])
    net = report.net_amount_cents
    w.writerow(["total", "net", report.count, f"{net / 100:.2f}".replace(".", ",")])
    return out.getvalue()


def report_html(report: DayReport, day: date, partner_name: str) -> str:
    parts = [
        f"<h2>{partner_name}</h2><h3>"
        + QCoreApplication.translate("ManagerPanel", "Recettes du {day}").format(
            day=day.strftime("%d/%m/%Y")
        )
        + "</h3>"
    ]
    for section, title in (
        ("by_wallet", QCoreApplication.translate("ManagerPanel", "Par porte-monnaie")),
        ("by_kind", QCoreApplication.translate("ManagerPanel", "Par type")),
        ("by_terminal", QCoreApplication.translate("ManagerPanel", "Par terminal")),
    ):
        cells = []
        for key, count, cents in day_tables(report)[section]:
            shown = texts.kind(key) if section == "by_kind" else key
            cells.append(
                f"<tr><td>{shown}</td><td align='right'>{count}</td>"
                f"<td align='right'>{texts.money(cents)}</td></tr>"
            )
        rows = "".join(cells)
        parts.append(
            f"<h4>{title}</h4><table width='100%' border='1' cellspacing='0'>{rows}</table>"
        )
    parts.append(
        "<p><b>"
        + QCoreApplication.translate(
            "ManagerPanel", "Net : {amount} ({count} transactions)"
        ).format(amount=texts.money(report.net_amount_cents), count=report.count)
        + "</b></p>"
    )
    return "".join(parts)


def write_pdf(html_text: str, path: Path) -> Path:
    from PySide6.QtGui import QPageSize, QPdfWriter, QTextDocument

    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")  # never a half-written export under its name
    writer = QPdfWriter(str(part))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    doc = QTextDocument()
    doc.setHtml(html_text)
    doc.print_(writer)
    del writer
    part.replace(path)
    return path
