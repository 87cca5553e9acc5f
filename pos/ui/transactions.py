"""Transactions of a day (counter payments, redemptions, online payments, cancellations).

Filter by day and kind, search by card or ticket number; cancel one (manager PIN and a reason;
the wallet is credited back) or reprint its receipt.
"""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.domain import Partner
from pos.messages import STATUS_TEXTS, known_wallet_label
from pos.results import OperationResult, Receipt, TerminalStatus, TransactionView, Verdict
from pos.settings import AUTO_PRINT
from pos.ui import receipts, texts
from pos.ui.keys import shortcut_button
from pos.ui.manager_pin import with_manager_pin
from pos.ui.printing import ReceiptDesk
from pos.ui.services import Services
from pos.ui.tasks import Operation

KINDS = ("counter_payment", "voucher_redemption", "online_payment", "cancellation")


def _time(at: datetime) -> str:
    return at.astimezone().strftime("%H:%M:%S")


class TransactionsPanel(QWidget):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.s = services
        self.desk = ReceiptDesk(services.runner, services.settings)
        self.items: list[TransactionView] = []
        self.stale = True
        self.loading = False
        self.day = QDateEdit(texts.business_today())
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("dd/MM/yyyy")
        self.kind = QComboBox()
        self.kind.addItem(self.tr("Tous les types"), None)
        for kind in KINDS:
            self.kind.addItem(texts.kind(kind), kind)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("N° de carte ou de ticket"))
        self.search.returnPressed.connect(self.reload)
        refresh = shortcut_button(self.tr("Actualiser F5"), "F5", self.reload)
        self.online = True  # the heartbeat's last verdict (`on_status`)
        self.cancelled_ids: set[str] = set()
        self.day.dateChanged.connect(lambda _d: self.reload())
        self.kind.currentIndexChanged.connect(lambda _i: self.reload())
        filters = QHBoxLayout()
        filters.addWidget(QLabel(self.tr("Jour")))
        filters.addWidget(self.day)
        filters.addWidget(self.kind)
        filters.addWidget(self.search, 1)
        filters.addWidget(refresh)

        headers = (
            self.tr("Heure"),
            self.tr("N° transaction"),
            self.tr("Type"),
            self.tr("Carte"),
            self.tr("Porte-monnaie"),
            self.tr("Montant"),
            self.tr("Statut"),
        )
        self.table = QTableWidget(0, len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.currentCellChanged.connect(lambda *_: self._selection_changed())
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)  # the kind, in words
        self.note = QLabel()  # what the last action did, in words
        self.note.setWordWrap(True)
        self.count = QLabel()
        self.cancel_button = shortcut_button(
            self.tr("Annuler la transaction… Ctrl+Suppr"), "Ctrl+Del", self.cancel_selected
        )
        self.cancel_button.setObjectName("danger")
        self.cancel_button.setEnabled(False)  # until a cancellable line is chosen
        self.reprint_button = shortcut_button(
            self.tr("Réimprimer le reçu Ctrl+R"), "Ctrl+R", self.reprint_selected
        )
        actions = QHBoxLayout()
        actions.addWidget(self.count, 1)
        actions.addWidget(self.reprint_button)
        actions.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)  # a row of its own: a refund's lines read whole
        layout.addLayout(actions)

    def activate(self) -> None:
        if self.stale:
            self.reload()

    def mark_stale(self) -> None:
        self.stale = True
        if self.isVisible():
            self.reload()

    def selected_day(self) -> date:
        q = self.day.date()
        return date(q.year(), q.month(), q.day())

    def reload(self) -> None:
        if self.loading:
            self.stale = True
            return
        self.loading = True
        self.stale = False
        day, kind = self.selected_day(), self.kind.currentData()
        search = self.search.text().strip() or None
        terminal = self.s.terminal
        Operation(
            self.s.runner, lambda: terminal.transactions(day=day, kind=kind, search=search)
        ).success(self._show).failure(self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        self.loading = False
        self.note.setText(texts.error(exc))

    def _show(self, items: list[TransactionView]) -> None:
        self.loading = False
        # A refresh (a sync, another terminal's sale) keeps the manager's selection.
        chosen = self.selected()
        chosen_id = (chosen.transaction_id or chosen.idempotency_key) if chosen else None
        self.items = list(items)
        self.cancelled_ids = {str(t.cancels) for t in self.items if t.cancels}
        self.table.clearSelection()
        self.table.setCurrentCell(-1, -1)
        self.table.setRowCount(len(self.items))
        for row, t in enumerate(self.items):
            status_words = {
                "completed": self.tr("Effectuée"),
                "cancelled": self.tr("Annulée"),
            }.get(str(t.status), str(t.status))
            if t.sync_state == "queued":
                status_words = self.tr("En attente d'envoi")
            elif t.sync_state == "rejected":
                status_words = self.tr("Refusée à la synchro")
            elif t.offline:
                status_words = self.tr("{status} (hors ligne)").format(status=status_words)
            amount = t.amount_cents * (-1 if t.kind == "cancellation" else 1)
            cells = (
                _time(t.occurred_at),
                t.transaction_number or "—",
                texts.kind(t.kind),
                t.card_number or "",
                known_wallet_label(t.wallet_code) if t.wallet_code else "",
                texts.money(amount),
                status_words,
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(str(text))
                if col == 5:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, col, item)
        for row, t in enumerate(self.items):
            key = t.transaction_id or t.idempotency_key
            if chosen_id is not None and key == chosen_id:
                self.table.selectRow(row)
        self.count.setText(self.tr("{count} transaction(s)").format(count=len(self.items)))
        self._selection_changed()
        if self.stale:
            self.reload()

    def selected(self) -> TransactionView | None:
        row = self.table.currentRow()
        return self.items[row] if 0 <= row < len(self.items) else None

    def cancellable(self, t: TransactionView) -> bool:
        """A completed payment, redemption or online payment known to the central service, that
        no cancellation in the list names (this terminal's journal, offline, keeps the original
        "completed")."""
        return (
            t.kind != "cancellation"
            and t.status != "cancelled"
            and bool(t.transaction_id)
            and t.transaction_id not in self.cancelled_ids
        )

    def on_status(self, status: TerminalStatus) -> None:
        self.online = status.online

    def _selection_changed(self) -> None:
        t = self.selected()
        self.cancel_button.setEnabled(t is not None and self.cancellable(t))

    # -- actions ---------------------------------------------------------------------------------
    def cancel_selected(self) -> None:
        t = self.selected()
        if t is None:
            self.note.setText(self.tr("Choisissez d'abord une transaction dans la liste."))
            return
        if not self.cancellable(t):
            self.note.setText(texts.refusal("not_cancellable"))
            return
        if not self.online:  # a refund needs the service: said before the PIN is asked
            self.note.setText(texts.refusal("offline_cancel"))
            return
        reason = self.s.prompts.ask_text(
            self,
            self.tr("Annulation"),
            self.tr("Motif de l'annulation de la transaction {number} ({amount}) :").format(
                number=t.transaction_number, amount=texts.money(t.amount_cents)
            ),
        )
        if reason is None:
            return
        if not reason.strip():  # said now, not after the PIN
            self.note.setText(texts.refusal("cancel_reason_required"))
            return

        def go() -> None:
            terminal, transaction_id = self.s.terminal, str(t.transaction_id)
            Operation(
                self.s.runner,
                lambda: terminal.cancel(transaction_id=transaction_id, reason=reason.strip()),
            ).success(self._cancelled).failure(self._failed).run()

        with_manager_pin(self.s, self, go)

    def _cancelled(self, result: OperationResult) -> None:
        if result.verdict is Verdict.REFUSED or result.receipt is None:
            self.s.sounds.refusal()
            refusal = result.refusal
            self.note.setText(
                texts.refusal(
                    refusal.code if refusal else None, refusal.message if refusal else None
                )
            )
        else:
            self.s.sounds.success()
            receipt = result.receipt
            self.note.setText(
                self.tr("Transaction annulée : {amount} recrédités sur le porte-monnaie.").format(
                    amount=texts.money(receipt.amount_cents)
                )
                + "\n"
                + refund_summary(receipt)
            )
            self.last_receipt = receipt
            if self.s.settings.get(AUTO_PRINT):
                self.desk.print(receipt, self.note.setText)
        self.mark_stale()
        self.reload()

    def reprint_selected(self) -> None:
        t = self.selected()
        if t is None:
            self.note.setText(self.tr("Choisissez d'abord une transaction dans la liste."))
            return
        original = next(
            (o for o in self.items if t.cancels and o.transaction_id == t.cancels), None
        )
        receipt = reprint_receipt(t, self.s.partner, original)
        self.desk.print(receipt, self.note.setText, duplicate=True)


def refund_summary(receipt: Receipt) -> str:
    """A refund receipt's own lines, as the note under the list shows them."""
    lines = receipts.receipt_text(receipt).lines
    wanted = {
        QCoreApplication.translate("Receipt", "Transaction annulée"),
        QCoreApplication.translate("Receipt", "Titulaire"),
        QCoreApplication.translate("Receipt", "Porte-monnaie crédité"),
        QCoreApplication.translate("Receipt", "Montant crédité"),
    }
    return " · ".join(f"{label} : {value}" for label, value in lines if label in wanted)


def reprint_receipt(
    t: TransactionView, partner: Partner | None, original: TransactionView | None = None
) -> Receipt:
    """A duplicate receipt from a transaction of the list (the holder's name only when this
    terminal's journal has it: the central list carries no names). A cancellation's names the
    transaction it refunded when that one is in the list (`original`)."""
    status = {
        "completed": QCoreApplication.translate("TransactionsPanel", "Effectuée"),
        "cancelled": QCoreApplication.translate("TransactionsPanel", "Annulée"),
    }.get(str(t.status), str(t.status))
    if t.kind == "cancellation":  # a refund: its receipt says so (receipts.receipt_text)
        status = STATUS_TEXTS["cancelled"]
    return Receipt(
        ticket_number=t.ticket_number or t.reference or "—",
        transaction_number=t.transaction_number or "—",
        transaction_id=t.transaction_id,
        status=status,
        kind=t.kind,
        occurred_at=t.occurred_at,
        card_number=t.card_number,
        holder_name=t.holder_name or (original.holder_name if original else None) or "—",
        partner_name=partner.name if partner else "",
        postal_code=partner.postal_code if partner else "",
        city=partner.city if partner else "",
        wallet_code=t.wallet_code,
        wallet_label=known_wallet_label(t.wallet_code),
        amount_cents=t.amount_cents,
        balance_after_cents=t.balance_after_cents,
        offline=t.offline,
        cancels_number=original.transaction_number if original else None,
        cancels_occurred_at=original.occurred_at if original else None,
        journal_seq=t.journal_seq,
        journal_hash=t.journal_hash,
    )
