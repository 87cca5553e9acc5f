"""First run: enrol this terminal with the central service and choose the manager PIN."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWizard, QWizardPage

from pos.ui import texts
from pos.ui.manager_pin import valid_pin
from pos.ui.services import Services
from pos.ui.tasks import Operation

if TYPE_CHECKING:
    from pos.domain import Partner


class EnrolPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(self.tr("Enrôler ce terminal"))
        self.setSubTitle(
            self.tr(
                "Adresse du service central et identifiants du partenaire (fournis par la Région)."
            )
        )
        self.url = QLineEdit()
        self.url.setPlaceholderText(self.tr("https://…"))
        self.code = QLineEdit()
        self.code.setPlaceholderText(self.tr("ex. L212"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.label = QLineEdit(socket.gethostname()[:40])
        self.error = QLabel()
        self.error.setObjectName("walletWhy")
        self.error.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(self.tr("Service central"), self.url)
        form.addRow(self.tr("Code partenaire"), self.code)
        form.addRow(self.tr("Mot de passe"), self.password)
        form.addRow(self.tr("Nom du terminal"), self.label)
        form.addRow(self.error)
        self.enrolled = False
        self.busy = False

    def validatePage(self) -> bool:
        if self.enrolled:
            return True
        if self.busy:
            return False
        url, code = self.url.text().strip(), self.code.text().strip().upper()
        password, label = self.password.text(), self.label.text().strip()
        if not (url.startswith(("http://", "https://")) and code and password and label):
            self.error.setText(
                self.tr("Renseignez l'adresse (http(s)://…), le code, le mot de passe et le nom.")
            )
            return False
        self.busy = True
        self.error.setText(self.tr("Connexion au service central…"))
        terminal = self.w.s.terminal
        Operation(
            self.w.s.runner,
            lambda: terminal.enroll(
                server_url=url, partner_code=code, password=password, label=label
            ),
        ).success(self._enrolled).failure(self._failed).run()
        return False

    def _enrolled(self, partner: Partner) -> None:
        self.busy = False
        self.enrolled = True
        self.w.partner = partner
        self.error.setText("")
        self.w.next()

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        code = texts.error_code(exc)
        if code == "unauthorized":
            self.error.setText(
                self.tr("Code partenaire ou mot de passe refusé par le service central.")
            )
        elif code == "not_found":
            self.error.setText(self.tr("Code partenaire inconnu du service central."))
        else:
            self.error.setText(texts.error(exc))


class PinPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(self.tr("Code gérant"))
        self.setSubTitle(
            self.tr("Demandé pour les annulations et la clôture de la journée (4 à 8 chiffres).")
        )
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.again = QLineEdit()
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel()
        self.error.setObjectName("walletWhy")
        form = QFormLayout(self)
        form.addRow(self.tr("Code gérant"), self.pin)
        form.addRow(self.tr("Confirmation"), self.again)
        form.addRow(self.error)

    def validatePage(self) -> bool:
        if not valid_pin(self.pin.text()):
            self.error.setText(self.tr("Le code gérant fait 4 à 8 chiffres."))
            return False
        if self.pin.text() != self.again.text():
            self.error.setText(self.tr("Les deux codes diffèrent."))
            return False
        return True


class FirstRunWizard(QWizard):
    completed = Signal(object)  # the Partner, once enrolled and the PIN stored

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.s = services
        self.partner: Partner | None = None
        self.setWindowTitle(self.tr("Premier démarrage — Terminal Génération #HDF"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.enrol_page = EnrolPage(self)
        self.pin_page = PinPage(self)
        self.addPage(self.enrol_page)
        self.addPage(self.pin_page)
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("Suivant"))
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("Précédent"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("Terminer"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("Annuler"))
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.resize(760, 480)

    def accept(self) -> None:
        # Finish calls accept() directly; QWizard validates the page only later, in done(). The
        # PIN is checked here, before anything is stored (a refused PIN stores nothing).
        if not self.validateCurrentPage():
            return
        pin = self.pin_page.pin.text()
        self.button(QWizard.WizardButton.FinishButton).setEnabled(False)

        def stored(_: None) -> None:
            super(FirstRunWizard, self).accept()
            self.completed.emit(self.partner)

        def failed(exc: BaseException) -> None:
            self.button(QWizard.WizardButton.FinishButton).setEnabled(True)
            self.pin_page.error.setText(
                self.tr("Le code n'a pas pu être rangé dans le trousseau système.")
            )

        Operation(self.s.runner, lambda: self.s.pin.set(pin), lane="background").success(
            stored
        ).failure(failed).run()
