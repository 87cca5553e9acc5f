"""One French sentence per refusal code (API error codes and the terminal's own), for CLI and UI.

The code is what programs branch on; the sentence is what the cashier reads. Unknown codes get a
generic sentence that still names the code, so nothing is ever shown blank.
"""

from __future__ import annotations

# The stable codes of API.md, in its order.
API_MESSAGES: dict[str, str] = {
    "unauthorized": "Ce terminal n'est plus reconnu par le service central : enrôlez-le à nouveau.",
    "forbidden": "Opération interdite pour ce partenaire.",
    "not_found": "Élément introuvable sur le service central.",
    "card_not_found": "Carte inconnue : vérifiez le numéro de carte.",
    "validation_error": "Demande refusée : une valeur saisie n'est pas acceptée.",
    "card_blocked": "Carte bloquée (opposition ou carte remplacée) : paiement impossible.",
    "card_expired": "Carte expirée : les droits n'ont pas été revalidés cette année.",
    "wallet_not_usable": "Ce porte-monnaie n'est pas utilisable ici aujourd'hui.",
    "insufficient_funds": "Solde insuffisant sur ce porte-monnaie.",
    "voucher_not_found": "Prépaiement introuvable : vérifiez le n° de ticket.",
    "voucher_other_partner": "Ce prépaiement a été fait pour un autre partenaire.",
    "voucher_not_pending": (
        "Ce prépaiement n'est plus en attente (déjà encaissé, annulé ou expiré)."
    ),
    "not_accepted": "Ce partenaire n'accepte pas ce type d'opération.",
    "not_cancellable": "Cette transaction ne peut pas être annulée.",
    "already_cancelled": "Cette transaction est déjà annulée.",
    "idempotency_conflict": "Opération en conflit avec une précédente : recommencez la saisie.",
    "idempotency_in_progress": "Opération déjà en cours de traitement : réessayez dans un instant.",
    "token_invalid": "QR code non valable : demandez au bénéficiaire de l'afficher à nouveau.",
    "token_expired": "QR code expiré : demandez au bénéficiaire de l'actualiser.",
    "rate_limited": "Trop de tentatives : patientez une minute avant de réessayer.",
    # Version 1.1: the service re-checks the offline rules (a follow-up to settle with the region).
    "offline_not_allowed": (
        "Refusé par le service central : un paiement hors ligne exige le QR code de la carte "
        "(carte saisie au clavier)."
    ),
    "offline_limit_exceeded": (
        "Refusé par le service central : plafond hors ligne dépassé (montant, total de la carte "
        "ou solde du QR code)."
    ),
    "payload_too_large": "Envoi trop volumineux pour le service central.",
}

# The terminal's own refusals (no API call, or no network).
LOCAL_MESSAGES: dict[str, str] = {
    "invalid_amount": "Montant non valable.",
    "invalid_scan": "Code non reconnu : scannez la carte ou saisissez ses 8 chiffres.",
    "unknown_wallet": "Porte-monnaie inconnu sur cette carte.",
    "wallet_required": "Plusieurs porte-monnaie possibles : choisissez-en un.",
    "not_enrolled": "Ce terminal n'est pas enrôlé : lancez « hdf-pos enroll ».",
    "day_closed": "La journée est clôturée : plus aucune opération ne peut y être ajoutée.",
    "offline_manual_entry": (
        "Hors ligne : un n° de carte saisi n'est pas accepté, scannez le QR code de la carte."
    ),
    "offline_voucher_manual_entry": (
        "Hors ligne : scannez le QR code du prépaiement, le n° de ticket seul ne suffit pas."
    ),
    "offline_over_payment_limit": "Hors ligne : montant au-delà du plafond par paiement.",
    "offline_over_card_total": "Hors ligne : plafond de cette carte atteint sur ce terminal.",
    "offline_over_qr_balance": "Hors ligne : montant supérieur au solde connu de la carte.",
    "offline_denylisted": "Hors ligne : cette carte est en opposition, paiement impossible.",
    "offline_cancel": (
        "Hors ligne : une annulation nécessite le service central, réessayez plus tard."
    ),
    "offline_window_over": (
        "Hors ligne depuis trop longtemps : reconnectez le terminal avant d'encaisser."
    ),
    "offline_no_keys": "Hors ligne : clés de vérification absentes, connectez le terminal.",
    "offline_voucher_already_queued": "Hors ligne : ce prépaiement est déjà encaissé ici.",
    "offline_lookup": "Hors ligne : seules les cartes présentées en QR code peuvent être lues.",
    "offline": "Service central injoignable : réessayez plus tard.",
    "server_error": "Le service central a rencontré une erreur : réessayez plus tard.",
    "tls_error": "Connexion sécurisée impossible : certificat du service central non reconnu.",
    "keyring_insecure": (
        "Trousseau système non sécurisé : le jeton du terminal ne peut pas y être rangé "
        "(HDF_POS_ALLOW_INSECURE_KEYRING=1 pour passer outre en test)."
    ),
    "insecure_transport": (
        "Adresse http:// d'une autre machine refusée : le jeton passerait en clair. Utilisez "
        "https://, ou --insecure en connaissance de cause."
    ),
    "keyring_missing": "Jeton du terminal introuvable dans le trousseau : enrôlez-le à nouveau.",
    "demo_unavailable": (
        "Démonstration impossible : cette installation du terminal ne contient pas le service "
        "central de démonstration (lancez ./run.sh depuis les sources du projet)."
    ),
}

# Refusals of the terminal whose code is a general one (invalid_scan, validation_error) but whose
# sentence says more: the key names the sentence, the Refusal keeps the general code.
REFUSAL_DETAILS: dict[str, str] = {
    "scan_not_a_card": "C'est un prépaiement, pas une carte : utilisez Encaisser.",
    "scan_not_a_voucher": "Ce code est une carte, pas un prépaiement.",
    "invalid_transaction_id": "Identifiant de transaction non valable.",
    "cancel_reason_required": "Indiquez le motif de l'annulation.",
    "closing_in_future": "On ne clôture pas une journée à venir.",
    "closing_running_day": (
        "Cette journée est en cours : elle se clôture une fois finie, à partir de 0 h 05 le "
        "lendemain (heure de Paris). Les opérations d'ici là lui appartiennent."
    ),
    "period_closed": "Le mois ou l'année de cette journée est clôturé : rien n'y est ajouté.",
}

REFUSALS = {**API_MESSAGES, **LOCAL_MESSAGES, **REFUSAL_DETAILS}

# What a receipt or a view says of an operation or a card (`Receipt.status`, `status_label`).
STATUS_TEXTS: dict[str, str] = {
    "paid": "Payé",
    "voucher_redeemed": "Prépaiement encaissé",
    "paid_offline": "Accepté hors ligne : en attente d'envoi",
    "redeemed_offline": "Encaissé hors ligne : en attente d'envoi",
    "unknown_outcome": "Réponse non reçue : en attente de confirmation",
    "cancelled": "Annulation : porte-monnaie recrédité",
    "offline_qr_verified": "Hors ligne : QR code signé vérifié",
}

# The differences a reconciliation names (templates with named placeholders).
RECONCILE_TEXTS: dict[str, str] = {
    "not_yet_sent": "{count} opération(s) pas encore envoyée(s)",
    "count_differs": "nombre : terminal {local}, service central {central}",
    "amount_differs": "montant : terminal {local}, service central {central}",
}

# Every sentence of the core a user may read: the translation pipeline registers them all
# (`python -m pos.ui.i18n update`).
ALL_MESSAGES = {**REFUSALS, **STATUS_TEXTS, **RECONCILE_TEXTS}

# Why a wallet cannot be debited here: the `reason` codes of a card's wallets (the service's and
# the offline rules'), in a wallet's words.
WALLET_REASONS: dict[str, str] = {
    "not_accepted": "non accepté par ce partenaire",
    "not_yet_valid": "pas encore valable",
    "validity_ended": "validité dépassée",
    "card_not_active": "carte non active",
    "empty": "solde nul",
}


# The Region's wallet types, in the words of their cards (`GET /v1/cards`): what a voucher, a
# redemption or a refund shows when no card of this session gave the label.
WALLET_LABELS: dict[str, str] = {
    "MANUEQUIP": "Manuels et équipements",
    "PREMIEREQUIP": "Premier équipement",
}


def known_wallet_label(code: str) -> str:
    """The wallet's label when the terminal knows it, else its code."""
    return WALLET_LABELS.get(code, code)


def refusal_message(code: str | None) -> str:
    """The French sentence for `code` (an API error code or one of the terminal's own)."""
    if code and code in REFUSALS:
        return REFUSALS[code]
    return f"Opération refusée ({code or 'raison inconnue'})."


def text(name: str, **params: object) -> str:
    """A status or reconciliation sentence of the core, its placeholders filled."""
    template = STATUS_TEXTS.get(name) or RECONCILE_TEXTS[name]
    return template.format(**params) if params else template


def wallet_reason_message(reason: str | None) -> str:
    """Why a wallet is not usable here, in French; an unknown code or free text is kept as is."""
    if not reason:
        return "non utilisable ici"
    return WALLET_REASONS.get(reason, reason)
