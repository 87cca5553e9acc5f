"""A book's barcode scanned while a card is open (issue 12): the card stays, and the code may go
into the payment's reference.

A bookshop scans the books' EAN-13 (ISBN 978/979) all day; one scanned while a card is on screen
must not throw the card away. `ProductNotice` sits under the card: it says the code is a
product's and that the card stays open, and offers (button or F8) to add the code to the
payment's reference (`reference()`, at most 64 characters, as the core keeps it).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

REFERENCE_MAX = 64  # what pos.operations keeps of a payment's reference


class ProductNotice(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("productNotice")
        self.codes: list[str] = []
        self._pending: str | None = None
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.add = QPushButton(self.tr("Ajouter à la référence du paiement (F8)"))
        self.add.clicked.connect(self.add_pending)
        self.add.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the amount keeps the keyboard
        self.reference_label = QLabel()
        self.reference_label.setObjectName("hint")
        self.reference_label.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.message, 1)
        row.addWidget(self.add)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addLayout(row)
        layout.addWidget(self.reference_label)
        self.clear()

    def clear(self) -> None:
        """A new card, or back to the scan: no code, no reference."""
        self.codes = []
        self._pending = None
        self.hide()

    def show_code(self, code: str) -> None:
        """A product's code was scanned while the card is open."""
        self._pending = None if code in self.codes else code
        self.message.setText(
            self.tr("Code produit {code} : la carte reste ouverte.").format(code=code)
        )
        self.add.setVisible(self._pending is not None)
        self._show_reference()
        self.show()

    def show_refusal(self, reason: str) -> None:
        """Something else unreadable was scanned while the card is open: say so, keep it."""
        self._pending = None
        self.message.setText(self.tr("{reason} La carte reste ouverte.").format(reason=reason))
        self.add.hide()
        self._show_reference()
        self.show()

    def add_pending(self) -> None:
        code = self._pending
        if code is None:
            return
        if len(" ".join([*self.codes, code])) > REFERENCE_MAX:
            self.message.setText(
                self.tr(
                    "Référence du paiement pleine ({max} caractères) : code non ajouté."
                ).format(max=REFERENCE_MAX)
            )
        else:
            self.codes.append(code)
            self.message.setText(
                self.tr("Code produit {code} ajouté à la référence du paiement.").format(code=code)
            )
        self._pending = None
        self.add.hide()
        self._show_reference()

    def reference(self) -> str | None:
        return " ".join(self.codes) or None

    def _show_reference(self) -> None:
        reference = self.reference()
        self.reference_label.setVisible(reference is not None)
        self.reference_label.setText(
            self.tr("Référence du paiement : {reference}").format(reference=reference or "")
        )
