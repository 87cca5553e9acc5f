"""The counter's right-hand panels: pay from a card's wallet, redeem a voucher, the outcome.

Each shows what the core decided (a wallet's `usable`, a voucher's `redeemable` and `reason`, an
operation's `OperationResult`) and emits what the cashier asks for; `CounterScreen` runs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
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

from pos.money import AmountError, parse_amount
from pos.ui import texts

if TYPE_CHECKING:
    from pos.results import CardView, VoucherView


def repolish(widget: QWidget) -> None:
    """Apply the style sheet again after a dynamic property changed."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class PayPanel(QWidget):
    """Choose the wallet (the only usable one preselected), type the amount, Enter to pay."""

    pay_requested = Signal(str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.group = QButtonGroup(self)
        self.choices = QVBoxLayout()
        self.amount = QLineEdit()
        self.amount.setObjectName("amountInput")
        self.amount.setPlaceholderText(self.tr("Montant, ex. 12,50"))
        self.amount.returnPressed.connect(self.confirm)
        self.error = QLabel()
        self.error.setObjectName("walletWhy")
        self.error.setWordWrap(True)
        self.pay = QPushButton(self.tr("Payer (Entrée)"))
        self.pay.setObjectName("primary")
        self.pay.clicked.connect(self.confirm)
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
        self.pay_requested.emit(wallet, cents)


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
        self.fields["wallet"].setText(voucher.wallet_code)
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
    """The outcome, big: accepted (online / offline queued) or refused, with the receipt buttons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("result")
        self.title = QLabel()
        self.title.setObjectName("resultTitle")
        self.title.setWordWrap(True)
        self.detail = QLabel()
        self.detail.setObjectName("resultDetail")
        self.detail.setWordWrap(True)
        self.print = QPushButton(self.tr("Imprimer le reçu (F5)"))
        self.pdf = QPushButton(self.tr("Reçu en PDF (F6)"))
        self.next = QPushButton(self.tr("Client suivant (Entrée)"))
        self.next.setObjectName("primary")
        self.receipt_note = QLabel()
        self.receipt_note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.addWidget(self.title)
        layout.addWidget(self.detail)
        layout.addStretch(1)
        layout.addWidget(self.receipt_note)
        buttons = QHBoxLayout()
        buttons.addWidget(self.print)
        buttons.addWidget(self.pdf)
        buttons.addWidget(self.next, 1)
        layout.addLayout(buttons)

    def show_outcome(self, kind: str, title: str, detail: str, *, receipt: bool) -> None:
        self.setProperty("outcome", kind)
        repolish(self)
        for label in (self.title, self.detail, self.receipt_note):
            repolish(label)
        self.title.setText(title)
        self.detail.setText(detail)
        self.receipt_note.clear()
        self.print.setVisible(receipt)
        self.pdf.setVisible(receipt)
