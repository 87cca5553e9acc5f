"""The day's figures as the manager reads them: totals by wallet, kind and terminal, as CSV or PDF.

Pure functions of a `DayReport` (no widget): `ManagerPanel` shows them, the exports write them
on the background lane.
"""

from __future__ import annotations

import csv
import html
import io
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication

from pos.domain import PARIS
from pos.messages import known_wallet_label
from pos.ui import texts

if TYPE_CHECKING:
    from pos.domain import Partner
    from pos.results import DayClosing, DayReport, TransactionView

# One line per transaction, the receipt's fields (PRODUCT.md), for French spreadsheet software.
CSV_COLUMNS = (
    "date", "heure", "n_transaction", "type", "statut", "carte", "titulaire", "porte_monnaie",
    "montant_euros", "solde_apres_euros", "terminal", "hors_ligne", "reference",
    "annule_transaction", "partenaire", "code_postal", "ville",
)  # fmt: skip
_STATUS_WORDS = {"completed": "effectuée", "cancelled": "annulée", "rejected": "refusée à l'envoi"}


def _text(value: str | None) -> str:
    """A free text cell (a reference typed at a till or on the extranet, a name): one that a
    spreadsheet would run as a formula (= + - @, tab, CR) is kept as text with a leading quote."""
    value = value or ""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _euros(cents: int | None) -> str:
    return "" if cents is None else f"{cents / 100:.2f}".replace(".", ",")


def _till(t: TransactionView, labels: dict[str, str]) -> str:
    if t.channel == "extranet" or (t.charged_elsewhere and not t.terminal_id):
        return QCoreApplication.translate("Texts", "Extranet bénéficiaire")
    terminal_id = t.terminal_id or ""
    return labels.get(terminal_id) or terminal_id[:8] or "—"


def transactions_csv(
    views: list[TransactionView], partner: Partner | None, labels: dict[str, str]
) -> str:
    """The day's transactions as CSV, one line each, oldest first (`;`, decimal comma; the
    caller writes it as UTF-8 with a BOM so that a French spreadsheet reads the accents)."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    shop = (partner.name, partner.postal_code, partner.city) if partner else ("", "", "")
    for t in sorted(views, key=lambda v: v.occurred_at):
        local = t.occurred_at.astimezone(PARIS)
        sign = -1 if t.kind == "cancellation" else 1
        w.writerow(
            [
                local.strftime("%d/%m/%Y"), local.strftime("%H:%M:%S"),
                t.transaction_number or "", texts.kind(t.kind),
                _STATUS_WORDS.get(t.status, t.status), _text(t.card_number),
                _text(t.holder_name), _text(known_wallet_label(t.wallet_code)),
                _euros(sign * t.amount_cents),
                _euros(t.balance_after_cents), _text(_till(t, labels)),
                "oui" if t.offline else "non", _text(t.reference), _text(t.cancels),
                *(_text(x) for x in shop),
            ]
        )  # fmt: skip
    return out.getvalue()


def shown_key(section: str, key: str) -> str:
    """A table's first cell as the manager reads it: a kind in words, a wallet by its label (the
    same everywhere: counter, receipts, books), a terminal by its label already."""
    if section == "by_kind":
        return texts.kind(key)
    if section == "by_wallet":
        return known_wallet_label(key)
    return key


def day_tables(report: DayReport) -> dict[str, list[tuple[str, int, int]]]:
    """(key, count, signed amount) by wallet, kind and terminal, from the day's transactions."""
    extranet = QCoreApplication.translate("Texts", "Extranet bénéficiaire")
    groups: dict[str, dict[str, list[int]]] = {"by_wallet": {}, "by_kind": {}, "by_terminal": {}}
    labels = report.terminal_labels
    for t in report.transactions:
        sign = -1 if t.kind == "cancellation" else 1
        if t.channel == "extranet" or t.charged_elsewhere:  # as the statement charges it
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


def statement_tables(statement: dict[str, Any]) -> dict[str, list[tuple[str, int, int]]]:
    """(key, count, signed amount) by wallet, kind and terminal, from the central statement: the
    whole shop, the extranet included (a kind stays a code; a terminal is its label)."""
    extranet = QCoreApplication.translate("Texts", "Extranet bénéficiaire")

    def rows(section: str, key: str) -> list[tuple[str, int, int]]:
        out = []
        for line in statement.get(section) or []:
            name = line.get(key)
            if section == "by_terminal":
                name = extranet if name is None else str(line.get("label") or str(name)[:8])
            out.append((str(name), int(line.get("count") or 0), int(line.get("amount_cents") or 0)))
        return out

    return {
        "by_wallet": rows("by_wallet", "wallet_code"),
        "by_kind": rows("by_kind", "kind"),
        "by_terminal": rows("by_terminal", "terminal_id"),
    }


def report_html(
    report: DayReport, day: date, partner_name: str, statement: dict[str, Any] | None = None
) -> str:
    """The day's report for printing: the end-of-day (Z) report once the day is closed, else a
    provisional one; the shop's figures from the central statement when it was read (every
    terminal and the extranet), else this terminal's journal."""
    title = (
        QCoreApplication.translate("ManagerPanel", "Rapport de fin de journée (Z) du {day}")
        if report.closed
        else QCoreApplication.translate(
            "ManagerPanel", "Rapport provisoire du {day} (journée ouverte)"
        )
    )
    parts = [f"<h2>{html.escape(partner_name)}</h2><h3>{title.format(day=f'{day:%d/%m/%Y}')}</h3>"]
    tables = statement_tables(statement) if statement else day_tables(report)
    source = (
        QCoreApplication.translate(
            "ManagerPanel", "Source : relevé du service central (toute la boutique)."
        )
        if statement
        else QCoreApplication.translate(
            "ManagerPanel", "Source : journal de ce terminal (service central injoignable)."
        )
    )
    parts.append(f"<p>{source}</p>")
    head = "".join(
        f"<th align='{align}'>{text}</th>"
        for text, align in (
            ("{}", "left"),
            (QCoreApplication.translate("ManagerPanel", "Nombre"), "right"),
            (QCoreApplication.translate("ManagerPanel", "Montant"), "right"),
        )
    )
    for section, title_text, column in (
        (
            "by_wallet",
            QCoreApplication.translate("ManagerPanel", "Par porte-monnaie"),
            QCoreApplication.translate("ManagerPanel", "Porte-monnaie"),
        ),
        (
            "by_kind",
            QCoreApplication.translate("ManagerPanel", "Par type"),
            QCoreApplication.translate("ManagerPanel", "Type"),
        ),
        (
            "by_terminal",
            QCoreApplication.translate("ManagerPanel", "Par terminal"),
            QCoreApplication.translate("ManagerPanel", "Terminal"),
        ),
    ):
        cells = []
        for key, count, cents in tables[section]:
            shown = shown_key(section, key)
            cells.append(
                f"<tr><td>{html.escape(shown)}</td><td align='right'>{count}</td>"
                f"<td align='right'>{texts.money(cents)}</td></tr>"
            )
        parts.append(
            f"<h4>{title_text}</h4><table width='100%' border='1' cellspacing='0' cellpadding='3'>"
            f"<tr>{head.format(column)}</tr>{''.join(cells)}</table>"
        )
    net, count = report.net_amount_cents, report.count
    if statement:
        net = int(statement.get("net_amount_cents") or 0)
        count = int(statement.get("transaction_count") or 0)
    parts.append(
        "<p><b>"
        + QCoreApplication.translate(
            "ManagerPanel", "Net : {amount} ({count} transactions)"
        ).format(amount=texts.money(net), count=count)
        + "</b></p>"
    )
    if report.closing is not None:
        parts.append(_z_block(report.closing))
    return "".join(parts)


def _z_block(z: DayClosing) -> str:
    """The closing as the journal recorded it: what the Z certifies (NF525-like)."""
    lines = (
        (
            QCoreApplication.translate("ManagerPanel", "Clôturée le"),
            z.closed_at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M"),
        ),
        (QCoreApplication.translate("ManagerPanel", "Opérations de ce terminal"), str(z.count)),
        (
            QCoreApplication.translate("ManagerPanel", "Total du jour"),
            texts.money(z.net_amount_cents),
        ),
        (
            QCoreApplication.translate("ManagerPanel", "Grand total perpétuel"),
            texts.money(z.grand_total_cents),
        ),
        (QCoreApplication.translate("ManagerPanel", "Dernière empreinte du journal"), z.last_hash),
    )
    rows = "".join(f"<tr><td>{k}</td><td>{html.escape(v)}</td></tr>" for k, v in lines)
    title = QCoreApplication.translate("ManagerPanel", "Clôture (Z) enregistrée au journal")
    return f"<h4>{title}</h4><table border='1' cellspacing='0' cellpadding='3'>{rows}</table>"


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
