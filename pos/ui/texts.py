"""Words the windows show for the core's values: amounts, card states, wallet reasons, refusals.

Refusal sentences come from `pos.messages` (shared with the command line) and are passed through
the "messages" translation context, so the English catalogue can carry them too; an untranslated
one stays in French rather than showing a code.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from PySide6.QtCore import QCoreApplication, QDate

from pos import messages
from pos.domain import business_day
from pos.money import format_amount
from pos.results import Refused

if TYPE_CHECKING:
    from pos.results import CardView


@runtime_checkable
class _Coded(Protocol):
    """An exception of the core that names its cause (the client's errors, amount refusals)."""

    code: object


def business_today() -> QDate:
    """Today's business day (Paris, by the shared clock) for a day picker; not the PC's date."""
    day = business_day()
    return QDate(day.year, day.month, day.day)


def money(cents: int) -> str:
    return format_amount(int(cents), nbsp=True)


def refusal(code: str | None, message: str | None = None) -> str:
    """The sentence for a refusal: the engine's message when given, else the code's sentence."""
    text = message or messages.refusal_message(code)
    return QCoreApplication.translate("messages", text)


def difference(sentence: str) -> str:
    """A reconciliation difference (`Reconciliation.differences`: the core fills its templates
    in French) in the reader's language: the template is found, translated, then filled again."""
    for template in messages.RECONCILE_TEXTS.values():
        pattern = re.escape(template)
        for name in re.findall(r"\{(\w+)\}", template):
            pattern = pattern.replace(re.escape("{" + name + "}"), f"(?P<{name}>.+?)")
        found = re.fullmatch(pattern, sentence)
        if found:
            return QCoreApplication.translate("messages", template).format(**found.groupdict())
    return refusal(None, sentence)


def card_status(card: CardView) -> str:
    """The card's state in words. Whether it may pay is the core's verdict, `card.can_pay`;
    a refused card is told by its status, else by the core's reason."""
    if card.can_pay:
        return QCoreApplication.translate("Texts", "Carte active")
    words = {
        "blocked": QCoreApplication.translate("Texts", "Carte en opposition : paiement refusé"),
        "replaced": QCoreApplication.translate("Texts", "Carte remplacée : paiement refusé"),
        "expired": QCoreApplication.translate(
            "Texts", "Carte expirée (droits non revalidés) : paiement refusé"
        ),
    }
    if card.status in words:
        return words[card.status]
    if card.status == "active":
        return refusal(None, card.reason or "")
    return QCoreApplication.translate("Texts", "État de carte inconnu : paiement refusé")


def wallet_reason(reason: str | None) -> str:
    """Why a wallet cannot be used here (the API gives a free text or a code)."""
    if not reason:
        return QCoreApplication.translate("Texts", "Non utilisable ici")
    known = {
        "not_accepted": QCoreApplication.translate("Texts", "Non accepté par ce partenaire"),
        "not_yet_valid": QCoreApplication.translate("Texts", "Pas encore valable"),
        "validity_ended": QCoreApplication.translate("Texts", "Validité dépassée"),
        "card_not_active": QCoreApplication.translate("Texts", "Carte non active"),
        "empty": QCoreApplication.translate("Texts", "Solde nul"),
    }
    if reason in known:  # the service's wallet reason codes, in a wallet's words
        return known[reason]
    if reason in messages.ALL_MESSAGES:
        return refusal(reason)
    return QCoreApplication.translate("messages", reason)


def voucher_status(value: str) -> str:
    """A voucher's status (`VoucherView.status`) in words."""
    return {
        "pending": QCoreApplication.translate("Texts", "Prépaiement en attente"),
        "redeemed": QCoreApplication.translate("Texts", "Prépaiement encaissé"),
        "cancelled": QCoreApplication.translate("Texts", "Prépaiement annulé"),
        "expired": QCoreApplication.translate("Texts", "Prépaiement expiré"),
    }.get(str(value), str(value))


def kind(value: str) -> str:
    """A transaction kind (`TransactionView.kind`) in words."""
    return {
        "counter_payment": QCoreApplication.translate("Texts", "Paiement au comptoir"),
        "voucher_redemption": QCoreApplication.translate("Texts", "Encaissement de prépaiement"),
        "online_payment": QCoreApplication.translate("Texts", "Extranet bénéficiaire"),
        "cancellation": QCoreApplication.translate("Texts", "Annulation"),
    }.get(str(value), str(value))


def error_code(exc: BaseException) -> str | None:
    """The stable code of an exception of the core (`Refused`, the client's errors), if any."""
    if isinstance(exc, Refused):
        return exc.refusal.code
    if isinstance(exc, _Coded) and isinstance(exc.code, str):
        return exc.code
    return None


def error(exc: BaseException) -> str:
    """A French sentence for an exception that reached the windows: never a traceback."""
    if isinstance(exc, Refused):
        return refusal(exc.refusal.code, exc.refusal.message)
    code = error_code(exc)
    if code is not None:
        return refusal(code)
    if isinstance(exc, OSError | TimeoutError):
        return refusal("offline")
    return QCoreApplication.translate(
        "Texts", "Erreur inattendue : l'opération n'a pas été faite. Réessayez."
    )
