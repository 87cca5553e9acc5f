"""The counter's right-hand panels: pay from a card's wallet, redeem a voucher, the outcome.

Each shows what the core decided (a wallet's `usable`, a voucher's `redeemable` and `reason`, an
operation's `OperationResult`) and emits what the cashier asks for; `CounterScreen` runs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from pos.messages import known_wallet_label
from pos.money import AmountError, parse_amount
from pos.ui import texts

if TYPE_CHECKING:
    from pos.results import CardView, VoucherView


RESULT_PHOTO = (120, 150)


def repolish(widget: QWidget) -> None:
    """Apply the style sheet again after a dynamic property changed."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class PayPanel(QWidget):
    """Choose the wallet (the only usable one preselected), type the amount, Enter to pay."""

    pay_requested = Signal(str, int)
    # An amount over the wallet's balance: debit the balance, the rest is paid at the till.
    split_requested = Signal(str, int, int)  # wallet, cents to debit, cents left to pay

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.card: CardView | None = None
        self.offer: tuple[str, int, int] | None = None
        self.group = QButtonGroup(self)
        self.choices = QVBoxLayout()
        self.amount = QLineEdit()
        self.amount.setObjectName("amountInput")
        self.amount.setPlaceholderText(self.tr("Montant, ex. 12,50"))
        self.amount.returnPressed.connect(self.confirm)
        self.amount.textEdited.connect(lambda _text: self.withdraw_offer())
        self.error = QLabel()
        self.error.setObjectName("walletWhy")
        self.error.setWordWrap(True)
        self.pay = QPushButton(self.tr("Payer (Entrée)"))
        self.pay.setObjectName("primary")
        self.pay.clicked.connect(self.confirm)
        # Two lines (a button's text never wraps): a narrow pay panel on 1366×768 keeps the
        # whole sentence without widening the window.
        self.split = QPushButton()
        self.split.setObjectName("primary")
        self.split.clicked.connect(self.take_offer)
        self.split.hide()
        self.back = QPushButton(self.tr("Retour (Échap)"))
        title = QLabel(self.tr("Paiement"))
        title.setObjectName("holderName")
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(QLabel(self.tr("Porte-monnaie à débiter :")))
        layout.addLayout(self.choices)
        layout.addWidget(QLabel(self.tr("Montant (€) :")))
        layout.addWidget(self.amount)
        layout.addWidget(self.error)
        layout.addWidget(self.split)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back)
        buttons.addWidget(self.pay, 1)
        layout.addLayout(buttons)
        layout.addStretch(1)

    def set_card(self, card: CardView) -> None:
        """The card's wallets; only those the core says usable here, and only if the card may
        pay (`can_pay`), can be chosen."""
        for button in self.group.buttons():
            self.group.removeButton(button)
            button.setParent(None)
            button.deleteLater()
        self.card = card
        self.withdraw_offer()
        may_pay = card.can_pay
        usable = [w for w in card.wallets if w.usable] if may_pay else []
        for wallet in card.wallets:
            button = QRadioButton(f"{wallet.label} — {texts.money(wallet.balance_cents)}")
            button.setProperty("wallet_code", wallet.code)
            button.setEnabled(wallet in usable)
            self.group.addButton(button)
            self.choices.addWidget(button)
        if len(usable) == 1:
            next(b for b in self.group.buttons() if b.isEnabled()).setChecked(True)
        self.amount.clear()
        self.amount.setEnabled(bool(usable))
        self.pay.setEnabled(bool(usable))
        self.error.setText(
            "" if usable or not may_pay else self.tr("Aucun porte-monnaie utilisable ici.")
        )

    def selected_wallet(self) -> str | None:
        button = self.group.checkedButton()
        return str(button.property("wallet_code")) if button else None

    def confirm(self) -> None:
        if not self.pay.isEnabled():
            return
        if self.offer is not None:  # the split on offer: Enter takes it
            self.take_offer()
            return
        wallet = self.selected_wallet()
        if wallet is None:
            self.error.setText(self.tr("Choisissez le porte-monnaie à débiter."))
            return
        try:
            cents = parse_amount(self.amount.text())
        except AmountError as e:
            self.error.setText(texts.refusal(None, e.template).format(**e.params))
            self.amount.selectAll()
            return
        self.error.clear()
        available = self.balance_of(wallet)
        if available is not None and cents > available:
            self.offer_split(wallet, cents, available)  # checked here, before anything is sent
            return
        self.pay_requested.emit(wallet, cents)

    def balance_of(self, code: str) -> int | None:
        """The wallet's known balance (online: the service's; offline: the QR's, less what this
        terminal already took)."""
        wallets = self.card.wallets if self.card else ()
        return next((w.balance_cents for w in wallets if w.code == code), None)

    def offer_split(self, wallet: str, asked: int, available: int, why: str = "") -> None:
        """The card stays: show what the wallet holds and offer to debit exactly that, the rest
        at the till; Enter (or the button) takes it, editing the amount withdraws it."""
        sentence = self.tr("Solde disponible : {available} (montant demandé : {asked}).").format(
            available=texts.money(available), asked=texts.money(asked)
        )
        self.error.setText(f"{why}\n{sentence}" if why else sentence)
        if available <= 0:
            self.withdraw_offer(keep_error=True)
            return
        self.offer = (wallet, available, asked - available)
        self.split.setText(
            self.tr("Débiter {available} —\nreste à payer en caisse : {rest} (Entrée)").format(
                available=texts.money(available), rest=texts.money(asked - available)
            )
        )
        self.split.show()
        self.pay.hide()
        self.amount.setFocus()
        self.amount.selectAll()

    def withdraw_offer(self, *, keep_error: bool = False) -> None:
        if self.offer is None and not self.split.isVisible():
            return
        self.offer = None
        self.split.hide()
        self.pay.show()
        if not keep_error:
            self.error.clear()

    def take_offer(self) -> None:
        if self.offer is not None and self.pay.isEnabled():
            wallet, cents, rest = self.offer
            self.split_requested.emit(wallet, cents, rest)


class VoucherPanel(QWidget):
    """A prepayment: ticket, amount, wallet, holder, status; "Encaisser" redeems it."""

    redeem_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(self.tr("Prépaiement"))
        self.title.setObjectName("holderName")
        self.status = QLabel()
        self.status.setObjectName("cardStatus")
        self.fields: dict[str, QLabel] = {}
        grid = QGridLayout()
        rows = (
            ("ticket", self.tr("N° ticket")),
            ("transaction", self.tr("N° transaction")),
            ("amount", self.tr("Montant")),
            ("wallet", self.tr("Porte-monnaie")),
            ("holder", self.tr("Bénéficiaire")),
            ("card", self.tr("N° carte")),
        )
        for i, (key, label) in enumerate(rows):
            grid.addWidget(QLabel(label), i, 0)
            value = QLabel()
            value.setObjectName("walletBalance" if key == "amount" else "")
            grid.addWidget(value, i, 1)
            self.fields[key] = value
        self.why = QLabel()
        self.why.setObjectName("walletWhy")
        self.why.setWordWrap(True)
        self.redeem = QPushButton(self.tr("Encaisser (Entrée)"))
        self.redeem.setObjectName("primary")
        self.redeem.clicked.connect(self.redeem_requested)
        self.back = QPushButton(self.tr("Retour (Échap)"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.status)
        layout.addLayout(grid)
        layout.addWidget(self.why)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back)
        buttons.addWidget(self.redeem, 1)
        layout.addLayout(buttons)
        layout.addStretch(1)

    def show_voucher(self, voucher: VoucherView) -> None:
        self.fields["ticket"].setText(voucher.ticket_number)
        self.fields["transaction"].setText(voucher.transaction_number or "—")
        self.fields["amount"].setText(texts.money(voucher.amount_cents))
        self.fields["wallet"].setText(known_wallet_label(voucher.wallet_code))
        self.fields["holder"].setText(voucher.holder_name or "—")
        self.fields["card"].setText(voucher.card_number or "—")
        self.status.setText(texts.voucher_status(voucher.status))
        # The core's verdict (another partner's, no longer pending, offline rules) and its reason.
        why = None if voucher.redeemable else texts.refusal(None, voucher.reason)
        self.status.setProperty("ok", "false" if why else "true")
        repolish(self.status)
        self.why.setText(why or "")
        self.redeem.setEnabled(why is None)


class ResultPanel(QFrame):
    """The outcome at a glance: accepted (online / offline queued) or refused; the amount, the
    holder and the photo large; a line for the customer (the cashier can turn the screen); what
    is left to pay at the till after a split; the receipt buttons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("result")
        self.title = QLabel()
        self.title.setObjectName("resultTitle")
        self.photo = QLabel()
        self.photo.setObjectName("resultPhoto")
        self.photo.setFixedSize(*RESULT_PHOTO)
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.amount = QLabel()
        self.amount.setObjectName("resultAmount")
        self.holder = QLabel()
        self.holder.setObjectName("resultHolder")
        self.holder.setWordWrap(True)
        self.rest = QLabel()
        self.rest.setObjectName("resultRest")
        self.customer = QLabel()
        self.customer.setObjectName("resultCustomer")
        self.customer.setWordWrap(True)
        self.customer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = QLabel()
        self.detail.setObjectName("resultDetail")
        self.detail.setWordWrap(True)
        self.print = QPushButton(self.tr("Imprimer le reçu (F5)"))
        self.pdf = QPushButton(self.tr("Reçu en PDF (F6)"))
        self.next = QPushButton(self.tr("Client suivant (Entrée)"))
        self.next.setObjectName("primary")
        self.receipt_note = QLabel()
        self.receipt_note.setWordWrap(True)
        who = QVBoxLayout()
        who.addWidget(self.title)
        who.addWidget(self.amount)
        who.addWidget(self.rest)
        who.addStretch(1)
        glance = QHBoxLayout()
        glance.setSpacing(20)
        glance.addWidget(self.photo, 0, Qt.AlignmentFlag.AlignTop)
        glance.addLayout(who, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.addLayout(glance)
        # Short lines beside the photo (no wrapping there: Qt did not give a wrapped label
        # nested beside it the height of its lines); a long name wraps on a row of its own.
        layout.addWidget(self.holder)
        layout.addWidget(self.customer)
        layout.addWidget(self.detail)
        layout.addStretch(1)
        layout.addWidget(self.receipt_note)
        buttons = QHBoxLayout()
        buttons.addWidget(self.print)
        buttons.addWidget(self.pdf)
        buttons.addWidget(self.next, 1)
        layout.addLayout(buttons)

    def show_outcome(
        self, kind: str, title: str, detail: str, *, receipt: bool, glance: Glance | None = None
    ) -> None:
        self.setProperty("outcome", kind)
        repolish(self)
        for label in (self.title, self.detail, self.receipt_note):
            repolish(label)
        self.title.setText(title)
        self.detail.setText(detail)
        self.receipt_note.clear()
        self.print.setVisible(receipt)
        self.pdf.setVisible(receipt)
        g = glance or Glance()
        self.amount.setText(g.amount)
        self.holder.setText(g.holder)
        self.rest.setText(g.rest)
        self.customer.setText(g.customer)
        for label in (self.amount, self.holder, self.rest, self.customer):
            label.setVisible(bool(label.text()))
        photo = g.photo if g.photo is not None and not g.photo.isNull() else None
        self.photo.setVisible(photo is not None)
        if photo is not None:
            self.photo.setPixmap(
                photo.scaled(
                    *RESULT_PHOTO,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )


@dataclass(frozen=True)
class Glance:
    """What the result page shows large (empty strings are not shown)."""

    amount: str = ""
    holder: str = ""
    customer: str = ""
    rest: str = ""
    photo: QPixmap | None = None
