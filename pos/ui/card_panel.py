"""The card as the cashier needs to see it: who (name, photo), card status in words, each wallet."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from pos.ui import texts

if TYPE_CHECKING:
    from pos.results import CardView, WalletView

PHOTO_SIZE = (180, 225)


def _day(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else "…"


class WalletTile(QFrame):
    """One porte-monnaie: label, balance, validity, usable here or why not."""

    def __init__(self, wallet: WalletView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wallet")
        self.code = wallet.code
        self.usable = wallet.usable  # the core's verdict for this partner today
        self.setProperty("usable", "true" if self.usable else "false")
        title = QLabel(f"{wallet.label} ({wallet.code})")
        title.setWordWrap(True)
        self.balance = QLabel(texts.money(wallet.balance_cents))
        self.balance.setObjectName("walletBalance")
        validity = QLabel(
            self.tr("Valable du {start} au {end}").format(
                start=_day(wallet.valid_from), end=_day(wallet.valid_to)
            )
        )
        validity.setWordWrap(True)  # two tiles side by side on 1366×768
        if self.usable:
            verdict = QLabel(self.tr("Utilisable ici"))
            verdict.setObjectName("walletOk")
        else:
            verdict = QLabel(texts.wallet_reason(wallet.reason))
            verdict.setObjectName("walletWhy")
            verdict.setWordWrap(True)
        self.verdict = verdict
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.balance)
        layout.addWidget(validity)
        layout.addWidget(verdict)


class CardPanel(QWidget):
    """Shows one `CardView`; the photo arrives later (`set_photo`) and is never written to disk."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.card: CardView | None = None
        self.photo = QLabel(self.tr("Photo…"))
        self.photo.setObjectName("photo")
        self.photo.setFixedSize(*PHOTO_SIZE)
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.name = QLabel()
        self.name.setObjectName("holderName")
        self.name.setWordWrap(True)
        self.number = QLabel()
        self.status = QLabel()
        self.status.setObjectName("cardStatus")
        self.status.setWordWrap(True)
        self.offline_note = QLabel()
        self.offline_note.setObjectName("hint")
        self.offline_note.setWordWrap(True)
        self.reminder = QLabel(
            self.tr("Rappel : les achats doivent être en lien avec la formation du bénéficiaire.")
        )
        self.reminder.setObjectName("reminder")
        self.reminder.setWordWrap(True)
        self.wallets = QGridLayout()
        self.wallets.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.wallet_tiles: list[WalletTile] = []

        who = QVBoxLayout()
        who.addWidget(self.name)
        who.addWidget(self.number)
        who.addWidget(self.status)
        who.addWidget(self.offline_note)
        who.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.photo, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(who, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(self.wallets)
        layout.addWidget(self.reminder)

    def show_card(self, card: CardView) -> None:
        self.card = card
        self.name.setText(card.holder_name or self.tr("Titulaire inconnu"))
        self.number.setText(self.tr("Carte n° {number}").format(number=card.card_number))
        self.status.setText(texts.card_status(card))
        self.status.setProperty("ok", "true" if card.can_pay else "false")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.offline_note.setVisible(card.offline)
        self.offline_note.setText(
            self.tr("Hors ligne : soldes lus dans le QR code signé de la carte.")
        )
        self.photo.setPixmap(QPixmap())
        self.photo.setText(self.tr("Photo…"))
        for tile in self.wallet_tiles:
            tile.setParent(None)
            tile.deleteLater()
        self.wallet_tiles = [WalletTile(w) for w in card.wallets]
        for i, tile in enumerate(self.wallet_tiles):
            self.wallets.addWidget(tile, 0, i)
        if not self.wallet_tiles:
            empty = QLabel(self.tr("Aucun porte-monnaie sur cette carte."))
            self.wallets.addWidget(empty, 0, 0)

    def set_photo(self, card_number: str, data: bytes | None) -> None:
        if self.card is None or self.card.card_number != card_number:
            return  # the cashier moved on to another card
        pixmap = QPixmap()
        if data and pixmap.loadFromData(data):
            self.photo.setPixmap(
                pixmap.scaled(
                    *PHOTO_SIZE,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        else:
            self.photo.setText(QCoreApplication.translate("CardPanel", "Pas de photo"))
