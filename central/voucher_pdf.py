"""The printable voucher ("reçu de transaction"): receipt fields, the voucher QR code and the
12-digit ticket number as a Code 128 barcode, on one A5 page."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import segno
import zxingcpp
from fpdf import FPDF

from central.clock import PARIS

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_STATUS_FR = {
    "pending": "Prépaiement en attente",
    "redeemed": "Prépaiement encaissé",
    "cancelled": "Prépaiement annulé",
    "expired": "Prépaiement expiré",
}


def euros(cents: int) -> str:
    """French money text: 120,00 € (narrow no-break space between thousands)."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole:,}".replace(",", "\u202f") + f",{frac:02d} €"


def code128_png(text: str) -> bytes:
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.Code128)
    image = np.array(barcode.to_image(scale=3, add_quiet_zones=True))
    ok, buf = cv2.imencode(".png", image)
    if not ok:
        raise RuntimeError("PNG encoding failed")
    return bytes(buf.tobytes())


def qr_png(text: str) -> bytes:
    out = io.BytesIO()
    segno.make_qr(text, error="m").save(out, kind="png", scale=6, border=4)
    return out.getvalue()


def render_voucher(v: Any, partner: Any, *, balance_after_cents: int, qr_text: str) -> bytes:
    """`v` is a voucher row (ledger.load_voucher), `partner` a partners row."""
    pdf = FPDF(format="A5")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    if (_DEJAVU / "DejaVuSans.ttf").exists():
        pdf.add_font("dejavu", "", str(_DEJAVU / "DejaVuSans.ttf"))
        pdf.add_font("dejavu", "B", str(_DEJAVU / "DejaVuSans-Bold.ttf"))
        family = "dejavu"
        money = euros
    else:  # core fonts are Latin-1 only: no € sign
        family = "helvetica"

        def money(cents: int) -> str:
            return euros(cents).replace("€", "EUR").replace("\u202f", " ")

    pdf.set_font(family, "B", 15)
    pdf.cell(0, 9, "Reçu de transaction", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font(family, "", 10)
    pdf.cell(0, 6, "Carte Génération #HDF — Prépaiement", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.ln(3)
    created = v.created_at.astimezone(PARIS)
    rows = [
        ("N° ticket", v.ticket_number),
        ("N° transaction", v.transaction_number),
        ("Statut", _STATUS_FR.get(v.status, v.status)),
        ("Date et heure", created.strftime("%d/%m/%Y %H:%M")),
        ("N° carte", v.card_number),
        ("Bénéficiaire", f"{v.first_name} {v.last_name}"),
        ("Partenaire", partner.name),
        ("Adresse", f"{partner.postal_code} {partner.city}"),
        ("Porte-monnaie", v.wallet_code),
        ("Montant", money(v.amount_cents)),
        ("Solde après", money(balance_after_cents)),
    ]
    for label, value in rows:
        pdf.set_font(family, "", 10)
        pdf.cell(38, 6.5, label)
        pdf.set_font(family, "B", 10)
        pdf.cell(0, 6.5, str(value), new_x="LMARGIN", new_y="NEXT")
    top = pdf.get_y() + 3
    pdf.image(io.BytesIO(qr_png(qr_text)), x=(148 - 50) / 2, y=top, w=50, h=50)
    pdf.image(io.BytesIO(code128_png(v.ticket_number)), x=(148 - 90) / 2, y=top + 53, w=90, h=20)
    pdf.set_xy(10, top + 74)
    pdf.set_font(family, "", 11)
    pdf.cell(0, 6, v.ticket_number, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 8)
    pdf.cell(0, 5, "À présenter au partenaire. Achats en lien avec la formation.", align="C")
    return bytes(pdf.output())
