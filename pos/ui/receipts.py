"""The "reçu de transaction": one list of lines, rendered as a PDF (Qt) or ESC/POS bytes.

Both renderers run off the GUI thread (they touch the disk or a printer). ESC/POS goes through
python-escpos: network, USB or serial printers as chosen in the settings; tests read the bytes
from its `Dummy` printer.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QMarginsF, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QPainter, QPdfWriter, QTextDocument

from pos.money import format_amount

if TYPE_CHECKING:
    from escpos.escpos import Escpos

    from pos.results import Receipt


@dataclass(frozen=True)
class ReceiptText:
    title: str
    header: list[str]  # partner name, postal code and city
    lines: list[tuple[str, str]]  # (label, value)
    footer: list[str]


def _when(at: datetime) -> str:
    return at.astimezone().strftime("%d/%m/%Y %H:%M:%S")


def receipt_text(receipt: Receipt, *, duplicate: bool = False) -> ReceiptText:
    """The fields PRODUCT.md lists, in the shop's words, from the engine's `Receipt`. A
    cancellation says so: the wallet is credited, and the refunded transaction is named."""
    refund = receipt.kind == "cancellation"
    balance = receipt.balance_after_cents
    wallet = receipt.wallet_label or receipt.wallet_code
    lines = [
        (QCoreApplication.translate("Receipt", "N° ticket"), receipt.ticket_number or "—"),
        (
            QCoreApplication.translate("Receipt", "N° transaction"),
            receipt.transaction_number or "—",
        ),
        # The core's status sentence, in the reader's language (the "messages" catalogue).
        (
            QCoreApplication.translate("Receipt", "Statut"),
            QCoreApplication.translate("messages", receipt.status),
        ),
        (QCoreApplication.translate("Receipt", "Date et heure"), _when(receipt.occurred_at)),
        (QCoreApplication.translate("Receipt", "N° carte"), receipt.card_number),
        (QCoreApplication.translate("Receipt", "Titulaire"), receipt.holder_name or "—"),
    ]
    if refund:
        lines += [
            (QCoreApplication.translate("Receipt", "Transaction annulée"), _cancelled(receipt)),
            (QCoreApplication.translate("Receipt", "Porte-monnaie crédité"), wallet),
            (
                QCoreApplication.translate("Receipt", "Montant crédité"),
                "+" + format_amount(receipt.amount_cents),
            ),
        ]
    else:
        lines += [
            (QCoreApplication.translate("Receipt", "Porte-monnaie débité"), wallet),
            (QCoreApplication.translate("Receipt", "Montant"), format_amount(receipt.amount_cents)),
        ]
    lines.append(
        (
            QCoreApplication.translate("Receipt", "Solde après"),
            format_amount(balance) if balance is not None else "—",
        )
    )
    if receipt.to_pay_at_till_cents:
        lines.append(
            (
                QCoreApplication.translate("Receipt", "Reste à payer en caisse"),
                format_amount(receipt.to_pay_at_till_cents),
            )
        )
    if receipt.journal_seq is not None:  # the proof (issue 14): journal seq and hash
        lines.append(
            (QCoreApplication.translate("Receipt", "N° journal"), str(receipt.journal_seq))
        )
        lines.append(
            (QCoreApplication.translate("Receipt", "Empreinte"), receipt.fingerprint or "")
        )
    footer = []
    if receipt.offline:
        footer.append(
            QCoreApplication.translate(
                "Receipt", "Accepté hors ligne : sera transmis au service central."
            )
        )
    if duplicate:
        footer.append(QCoreApplication.translate("Receipt", "DUPLICATA"))
    footer.append(
        QCoreApplication.translate("Receipt", "Achats en lien avec la formation du bénéficiaire.")
    )
    place = f"{receipt.postal_code} {receipt.city}".strip()
    title = (
        QCoreApplication.translate("Receipt", "Annulation — remboursement")
        if refund
        else QCoreApplication.translate("Receipt", "Reçu de transaction")
    )
    return ReceiptText(title, [receipt.partner_name, place], lines, footer)


def _cancelled(receipt: Receipt) -> str:
    """ "N° 0000042 du 01/12/2026 10:15:00", or what is known of it."""
    number = receipt.cancels_number or "—"
    if receipt.cancels_occurred_at is None:
        return QCoreApplication.translate("Receipt", "N° {number}").format(number=number)
    return QCoreApplication.translate("Receipt", "N° {number} du {when}").format(
        number=number, when=_when(receipt.cancels_occurred_at)
    )


def to_html(text: ReceiptText) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td align='right'><b>{html.escape(v)}</b></td></tr>"
        for k, v in text.lines
    )
    head = "<br>".join(html.escape(h) for h in text.header if h)
    foot = "".join(f"<p align='center'>{html.escape(f)}</p>" for f in text.footer)
    return (
        f"<h2 align='center'>{head}</h2><h3 align='center'>{html.escape(text.title)}</h3>"
        f"<table width='100%' cellspacing='4'>{rows}</table>{foot}"
    )


def write_pdf(receipt: Receipt, path: Path, *, duplicate: bool = False) -> Path:
    """Save the receipt as an 80 mm wide PDF (thermal-roll shape). Call off the GUI thread."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")  # a reader never sees a half-written receipt
    writer = QPdfWriter(str(part))
    writer.setTitle(QCoreApplication.translate("Receipt", "Reçu de transaction"))
    writer.setPageSize(QPageSize(QSizeF(80, 120), QPageSize.Unit.Millimeter))
    writer.setPageMargins(QMarginsF(4, 4, 4, 4), QPageLayout.Unit.Millimeter)
    writer.setResolution(300)
    doc = QTextDocument()
    # Lay out with the writer's resolution so point sizes mean points on paper.
    doc.documentLayout().setPaintDevice(writer)
    font = doc.defaultFont()
    font.setPointSizeF(9)
    doc.setDefaultFont(font)
    doc.setDocumentMargin(0)
    doc.setHtml(to_html(receipt_text(receipt, duplicate=duplicate)))
    doc.setTextWidth(writer.width())
    painter = QPainter(writer)
    try:
        doc.drawContents(painter)
    finally:
        painter.end()
    del writer  # closes the file
    part.replace(path)
    return path


def escpos_print(printer: Escpos, receipt: Receipt, *, duplicate: bool = False) -> None:
    """Send the receipt to a python-escpos printer object (Network, Usb, Serial or Dummy)."""
    text = receipt_text(receipt, duplicate=duplicate)
    printer.set(align="center", bold=True, double_height=True, double_width=False)
    for line in text.header:
        if line:
            printer.textln(line)
    printer.set(align="center", bold=True)
    printer.textln(text.title)
    printer.set(align="left", bold=False)
    for label, value in text.lines:
        printer.textln(f"{label} : {value}")
    printer.set(align="center")
    for line in text.footer:
        printer.textln(line)
    printer.cut()


def open_printer(kind: str, target: str) -> Escpos:
    """A python-escpos printer for the settings' kind and target."""
    from escpos import printer as escpos

    if kind == "network":
        host, _, port = target.partition(":")
        return escpos.Network(host, int(port or 9100), timeout=5)
    if kind == "usb":
        vendor, _, product = target.partition(":")
        return escpos.Usb(int(vendor, 16), int(product, 16))
    if kind == "serial":
        return escpos.Serial(target or "/dev/ttyUSB0")
    raise ValueError(kind)
