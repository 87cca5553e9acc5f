"""The counter screen: scan or type a number, see the card or voucher, pay or redeem.

Keyboard first: the scan field has the focus; Enter looks the number up, then Enter pays, Esc goes
back. A wedge scan from anywhere in the app lands here (the shell connects the key filter). Every
engine call runs on the engine lane; nothing here waits on the network or the disk.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from pos.money import format_amount
from pos.results import CardView, OperationResult, Receipt, Verdict, VoucherView
from pos.scan import Scan, ScanKind, parse_scan
from pos.settings import AUTO_PRINT
from pos.ui import texts
from pos.ui.camera import CameraPanel
from pos.ui.card_panel import CardPanel
from pos.ui.counter_panels import Glance, PayPanel, ResultPanel, VoucherPanel, repolish
from pos.ui.printing import ReceiptDesk
from pos.ui.product_codes import ProductNotice
from pos.ui.services import Services
from pos.ui.tasks import Operation
from pos.ui.wedge import accept_scans

log = logging.getLogger(__name__)

# Refusals that mean "more than the wallet holds": the card stays and a split is offered.
OVER_BALANCE = ("insufficient_funds", "offline_over_qr_balance")


class CounterScreen(QWidget):
    """Assembles the scan field, the card/pay, voucher and result panels."""

    operation_done = Signal()

    IDLE, CARD, VOUCHER, RESULT = range(4)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.s = services
        self.desk = ReceiptDesk(services.runner, services.settings)
        self.scan: Scan | None = None
        self.card: CardView | None = None
        self.voucher: VoucherView | None = None
        self.receipt: Receipt | None = None
        self.busy = False
        self.asked: tuple[str, int] | None = None  # the payment on its way: wallet, whole amount
        self.to_pay_at_till = 0  # a split: what the customer pays otherwise

        self.input = QLineEdit()
        self.input.setObjectName("scanInput")
        self.input.setPlaceholderText(
            self.tr("Scannez le QR code ou saisissez le n° de carte (8 chiffres) ou de ticket (12)")
        )
        self.input.returnPressed.connect(lambda: self.handle_scan(self.input.text()))
        search = QPushButton(self.tr("Rechercher"))
        search.clicked.connect(lambda: self.handle_scan(self.input.text()))
        top = QHBoxLayout()
        top.addWidget(self.input, 1)
        top.addWidget(search)

        self.hint = QLabel(
            self.tr(
                "Présentez la carte Génération #HDF (QR code) ou le prépaiement au lecteur, "
                "ou saisissez son numéro puis Entrée."
            )
        )
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message = QLabel()
        self.message.setObjectName("cardStatus")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        idle = QWidget()
        idle_layout = QVBoxLayout(idle)
        idle_layout.addStretch(1)
        idle_layout.addWidget(self.message)
        idle_layout.addWidget(self.hint)
        idle_layout.addStretch(2)

        self.card_panel = CardPanel()
        self.pay_panel = PayPanel()
        self.pay_panel.pay_requested.connect(self.pay)
        self.pay_panel.split_requested.connect(self.pay_split)
        self.pay_panel.back.clicked.connect(self.back)
        for field in (self.input, self.pay_panel.amount):  # a scan there is a scan, not text
            accept_scans(field)
        self.products = ProductNotice()  # a book's barcode scanned while the card is open
        card_page = QWidget()
        card_layout = QHBoxLayout()
        card_layout.addWidget(self.card_panel, 3)
        card_layout.addWidget(self.pay_panel, 2)
        card_column = QVBoxLayout(card_page)
        card_column.setContentsMargins(0, 0, 0, 0)
        card_column.addLayout(card_layout, 1)
        card_column.addWidget(self.products)

        self.voucher_panel = VoucherPanel()
        self.voucher_panel.redeem_requested.connect(self.redeem)
        self.voucher_panel.back.clicked.connect(self.back)
        self.result = ResultPanel()
        self.result.next.clicked.connect(self.back)
        self.result.print.clicked.connect(lambda: self.print_receipt())
        self.result.pdf.clicked.connect(lambda: self.save_receipt_pdf())

        self.pages = QStackedWidget()
        for page in (idle, card_page, self.voucher_panel, self.result):
            self.pages.addWidget(page)
        self.camera = CameraPanel()
        self.camera.scanned.connect(self.camera_scan)
        self.camera.hide()  # off by default: many counters have no camera
        body = QHBoxLayout()
        body.addWidget(self.pages, 1)
        body.addWidget(self.camera, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(body, 1)

        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.back)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.print_receipt)
        QShortcut(QKeySequence(Qt.Key.Key_F6), self, self.save_receipt_pdf)
        QShortcut(QKeySequence(Qt.Key.Key_F8), self, self.products.add_pending)
        self.show_idle()

    # -- navigation ------------------------------------------------------------------------------
    def show_idle(self, message: str = "") -> None:
        self.message.setText(message)
        self.message.setProperty("ok", "false")
        self.message.setVisible(bool(message))
        repolish(self.message)
        self.pages.setCurrentIndex(self.IDLE)
        self.input.setFocus()

    def back(self) -> None:
        if self.busy:
            return
        self.scan = self.card = self.voucher = None
        self.products.clear()
        self.input.clear()
        self.show_idle()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter on the result or voucher page: next customer / redeem.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.pages.currentIndex() == self.RESULT:
                self.back()
                return
            if self.pages.currentIndex() == self.VOUCHER and self.voucher_panel.redeem.isEnabled():
                self.redeem()
                return
        super().keyPressEvent(event)

    def set_camera(self, spec: str) -> None:
        """Start the preview on `spec` ("0", a file, a URL) or stop it when empty."""
        self.camera.setVisible(bool(spec))
        if spec:
            self.camera.start(spec)
        else:
            self.camera.stop()

    def camera_scan(self, text: str) -> None:
        # The code still in front of the camera must not reset the card being paid.
        if self.pages.currentIndex() in (self.CARD, self.VOUCHER) and self.scan is not None:
            if self.scan.text == text.strip():
                return
        self.handle_scan(text)

    def refuse(self, message: str) -> None:
        self.s.sounds.refusal()
        self.show_idle(message)

    # -- scan → card or voucher -----------------------------------------------------------------
    def handle_scan(self, text: str) -> None:
        """A wedge scan, a camera read or a typed number (+ Enter)."""
        if self.busy:
            return
        self.input.clear()
        scan = parse_scan(text)
        if not scan.is_valid and self.pages.currentIndex() == self.CARD and self.card is not None:
            self._keep_card(scan)
            return
        if not scan.is_valid:
            self.refuse(texts.refusal("invalid_scan", scan.reason))
            return
        self.scan = scan
        self.busy = True
        terminal, runner = self.s.terminal, self.s.runner
        if scan.kind in (ScanKind.CARD_TOKEN, ScanKind.CARD_NUMBER):
            Operation(runner, lambda: terminal.lookup(scan)).success(self._show_card).failure(
                self._failed
            ).run()
        else:
            Operation(runner, lambda: terminal.voucher(scan)).success(self._show_voucher).failure(
                self._failed
            ).run()

    def _keep_card(self, scan: Scan) -> None:
        """Not a card nor a voucher while a card is open: the card stays (a book's EAN-13 is
        offered for the payment's reference)."""
        if scan.product_code is not None:
            self.products.show_code(scan.product_code)
        else:
            self.s.sounds.refusal()
            self.products.show_refusal(texts.refusal("invalid_scan", scan.reason))

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.refuse(texts.error(exc))

    def _show_card(self, card: CardView) -> None:
        self.busy = False
        self.card = card
        self.products.clear()
        self.card_panel.show_card(card)
        log.info("card shown: %s", card.card_number)  # the number only: no names in logs
        self.pay_panel.set_card(card)
        self.pages.setCurrentIndex(self.CARD)
        if card.can_pay and self.pay_panel.amount.isEnabled():
            self.pay_panel.amount.setFocus()
        else:
            self.s.sounds.refusal()
            self.pay_panel.back.setFocus()
        number = card.card_number
        terminal = self.s.terminal
        Operation(self.s.runner, lambda: terminal.photo(number), lane="network").success(
            lambda data: self.card_panel.set_photo(number, data)
        ).failure(lambda _e: self.card_panel.set_photo(number, None)).run()

    def _show_voucher(self, voucher: VoucherView) -> None:
        self.busy = False
        self.voucher = voucher
        self.voucher_panel.show_voucher(voucher)
        self.pages.setCurrentIndex(self.VOUCHER)
        if self.voucher_panel.redeem.isEnabled():
            self.voucher_panel.redeem.setFocus()
        else:
            self.s.sounds.refusal()
            self.voucher_panel.back.setFocus()

    # -- operations -----------------------------------------------------------------------------
    def pay_split(self, wallet_code: str, amount_cents: int, rest_cents: int) -> None:
        """Debit what the wallet holds; the rest is paid at the till (shown and printed)."""
        self.pay(wallet_code, amount_cents, rest_cents=rest_cents)

    def pay(self, wallet_code: str, amount_cents: int, *, rest_cents: int = 0) -> None:
        if self.busy or self.scan is None:
            return
        self.busy = True
        self.asked = (wallet_code, amount_cents + rest_cents)
        self.to_pay_at_till = rest_cents
        self.pay_panel.pay.setEnabled(False)
        scan, terminal, reference = self.scan, self.s.terminal, self.products.reference()
        Operation(
            self.s.runner,
            lambda: terminal.pay(
                scan=scan, wallet_code=wallet_code, amount_cents=amount_cents, reference=reference
            ),
        ).success(lambda r: self._show_result(r, payment=True)).failure(self._op_failed).run()

    def redeem(self) -> None:
        if self.busy or self.scan is None:
            return
        self.busy = True
        self.voucher_panel.redeem.setEnabled(False)
        scan, terminal = self.scan, self.s.terminal
        Operation(self.s.runner, lambda: terminal.redeem(scan=scan)).success(
            lambda r: self._show_result(r, payment=False)
        ).failure(self._op_failed).run()

    def _op_failed(self, exc: BaseException) -> None:
        self.busy = False
        self.receipt = None
        self.s.sounds.refusal()
        self.result.show_outcome("refused", self.tr("Refusé"), texts.error(exc), receipt=False)
        self.pages.setCurrentIndex(self.RESULT)
        self.result.next.setFocus()

    def _show_result(self, result: OperationResult, *, payment: bool) -> None:
        self.busy = False
        self.receipt = result.receipt
        verdict = result.verdict
        refusal = result.refusal
        if payment and refusal is not None and refusal.code in OVER_BALANCE:
            self._keep_card_after_refusal(refusal.message)
            return
        if verdict is Verdict.REFUSED or result.receipt is None:
            self._show_refusal(result, payment=payment)
        else:
            receipt = result.receipt
            if payment and self.to_pay_at_till:
                receipt = replace(receipt, to_pay_at_till_cents=self.to_pay_at_till)
            self.receipt = receipt
            self._show_accepted(verdict, receipt, payment=payment)
        self.pages.setCurrentIndex(self.RESULT)
        self.result.next.setFocus()
        # Only once the result page shows: print_receipt prints the receipt on that page.
        if verdict is not Verdict.REFUSED and self.s.settings.get(AUTO_PRINT):
            self.print_receipt()

    def _keep_card_after_refusal(self, why: str) -> None:
        """Over the balance (the service's verdict or the offline rules'): the card stays, read
        again for its balance, and the split is offered for the amount asked."""
        self.s.sounds.refusal()
        asked, scan, terminal = self.asked, self.scan, self.s.terminal
        if asked is None or scan is None:
            return
        self.busy = True

        def offer(card: CardView) -> None:
            self._show_card(card)
            wallet, cents = asked
            available = self.pay_panel.balance_of(wallet) or 0
            self.pay_panel.amount.setText(format_amount(cents, symbol=False))
            self.pay_panel.offer_split(wallet, cents, available, texts.refusal(None, why))

        Operation(self.s.runner, lambda: terminal.lookup(scan)).success(offer).failure(
            self._failed
        ).run()

    def _show_refusal(self, result: OperationResult, *, payment: bool) -> None:
        refusal = result.refusal
        self.s.sounds.refusal()
        self.result.show_outcome(
            "refused",
            self.tr("Paiement refusé") if payment else self.tr("Encaissement refusé"),
            texts.refusal(refusal.code if refusal else None, refusal.message if refusal else None),
            receipt=False,
        )

    def _show_accepted(self, verdict: Verdict, receipt: Receipt, *, payment: bool) -> None:
        """Accepted online, accepted offline (queued), or sent without an answer (queued under
        the same key): the core's outcome and receipt, in the cashier's words."""
        balance = receipt.balance_after_cents
        lines = [self.tr("Montant : {amount}").format(amount=texts.money(receipt.amount_cents))]
        if balance is not None:
            lines.append(self.tr("Solde après : {balance}").format(balance=texts.money(balance)))
        if verdict is Verdict.UNKNOWN_OUTCOME:
            title = self.tr("Réponse non reçue : opération mise en attente")
            lines.insert(
                0,
                self.tr(
                    "Le service central n'a pas répondu à temps. L'opération est gardée et "
                    "renvoyée telle quelle : elle ne sera jamais débitée deux fois."
                ),
            )
            kind = "offline"
        elif verdict is Verdict.QUEUED_OFFLINE:
            title = self.tr("Accepté hors ligne")
            lines.insert(
                0,
                self.tr(
                    "Opération acceptée hors ligne et mise en attente : elle sera envoyée "
                    "au service central dès le retour de la connexion."
                ),
            )
            kind = "offline"
        else:
            title = self.tr("Paiement accepté") if payment else self.tr("Prépaiement encaissé")
            number = receipt.transaction_number or "—"
            lines.insert(0, self.tr("Transaction n° {number}").format(number=number))
            kind = "online"
        self.s.sounds.success()
        glance = self._glance(receipt, verdict, payment=payment)
        self.result.show_outcome(kind, title, "\n".join(lines), receipt=True, glance=glance)
        self.operation_done.emit()

    def _glance(self, receipt: Receipt, verdict: Verdict, *, payment: bool) -> Glance:
        """Amount, holder and photo large, and one sentence the customer can read."""
        amount, wallet = texts.money(receipt.amount_cents), receipt.wallet_label
        if verdict is Verdict.UNKNOWN_OUTCOME:  # sent, no answer yet: not "accepted"
            customer = self.tr("Opération enregistrée, en attente de confirmation — {amount}")
        elif not payment:
            customer = self.tr("Prépaiement encaissé — {amount} sur {wallet}")
        elif verdict is Verdict.QUEUED_OFFLINE:
            customer = self.tr("Paiement accepté (hors ligne) — {amount} sur {wallet}")
        else:
            customer = self.tr("Paiement accepté — {amount} sur {wallet}")
        customer = customer.format(amount=amount, wallet=wallet or receipt.wallet_code)
        rest = ""
        if receipt.to_pay_at_till_cents:
            rest = self.tr("Reste à payer en caisse : {rest}").format(
                rest=texts.money(receipt.to_pay_at_till_cents)
            )
            customer = f"{customer}. {rest}"
        shown = self.card_panel.card
        photo = self.card_panel.photo.pixmap()
        same_card = shown is not None and shown.card_number == receipt.card_number
        return Glance(
            amount=amount,
            holder=receipt.holder_name,
            customer=customer,
            rest=rest,
            photo=photo if same_card and payment else None,
        )

    def print_receipt(self) -> None:
        if self.receipt is not None and self.pages.currentIndex() == self.RESULT:
            self.desk.print(self.receipt, self.result.receipt_note.setText)

    def save_receipt_pdf(self) -> None:
        if self.receipt is not None and self.pages.currentIndex() == self.RESULT:
            self.desk.save_pdf(self.receipt, self.result.receipt_note.setText)
