"""Words the windows show for the core's values: amounts, card states, wallet reasons, refusals.

Refusal sentences come from `pos.messages` (shared with the command line) and are passed through
the "messages" translation context, so the English catalogue can carry them too; an untranslated
one stays in French rather than showing a code.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QDate

from pos import messages
from pos.domain import business_day
from pos.money import format_amount


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


def card_status(card: Any) -> tuple[bool, str]:
    """(may pay, words) for the card's status."""
    status = getattr(card.status, "value", card.status)
    if status == "active" and getattr(card, "can_pay", True) is False:
        return False, refusal(None, getattr(card, "reason", None) or "")
    words = {
        "active": QCoreApplication.translate("Texts", "Carte active"),
        "blocked": QCoreApplication.translate("Texts", "Carte en opposition : paiement refusé"),
        "replaced": QCoreApplication.translate("Texts", "Carte remplacée : paiement refusé"),
        "expired": QCoreApplication.translate(
            "Texts", "Carte expirée (droits non revalidés) : paiement refusé"
        ),
    }
    return status == "active", words.get(
        str(status), QCoreApplication.translate("Texts", "État de carte inconnu : paiement refusé")
    )


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


def voucher_status(status: Any) -> str:
    value = getattr(status, "value", status)
    return {
        "pending": QCoreApplication.translate("Texts", "Prépaiement en attente"),
        "redeemed": QCoreApplication.translate("Texts", "Prépaiement encaissé"),
        "cancelled": QCoreApplication.translate("Texts", "Prépaiement annulé"),
        "expired": QCoreApplication.translate("Texts", "Prépaiement expiré"),
    }.get(str(value), str(value))


def kind(value: Any) -> str:
    value = getattr(value, "value", value)
    return {
        "counter_payment": QCoreApplication.translate("Texts", "Paiement au comptoir"),
        "voucher_redemption": QCoreApplication.translate("Texts", "Encaissement de prépaiement"),
        "online_payment": QCoreApplication.translate("Texts", "Extranet bénéficiaire"),
        "cancellation": QCoreApplication.translate("Texts", "Annulation"),
    }.get(str(value), str(value))


def error(exc: BaseException) -> str:
    """A French sentence for an exception that reached the windows: never a traceback."""
    refusal_ = getattr(exc, "refusal", None)  # pos.terminal.Refused
    if refusal_ is not None:
        return refusal(getattr(refusal_, "code", None), getattr(refusal_, "message", None))
    code = getattr(exc, "code", None)
    if isinstance(code, str):
        return refusal(code, getattr(exc, "message", None))
    if isinstance(exc, OSError | TimeoutError):
        return refusal("offline")
    return QCoreApplication.translate(
        "Texts", "Erreur inattendue : l'opération n'a pas été faite. Réessayez."
    )
