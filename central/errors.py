"""RFC 9457 problem details: the one error shape of the API, with its stable machine `code`."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

PROBLEM_TYPE = "urn:hdf:problem:{code}"
PROBLEM_MEDIA_TYPE = "application/problem+json"

TITLES: dict[str, str] = {
    "unauthorized": "Authentification requise",
    "forbidden": "Accès refusé",
    "not_found": "Introuvable",
    "card_not_found": "Carte inconnue",
    "validation_error": "Requête invalide",
    "card_blocked": "Carte bloquée",
    "card_expired": "Carte expirée",
    "wallet_not_usable": "Porte-monnaie non utilisable",
    "insufficient_funds": "Solde insuffisant",
    "voucher_not_found": "Prépaiement inconnu",
    "voucher_other_partner": "Prépaiement d'un autre partenaire",
    "voucher_not_pending": "Prépaiement plus en attente",
    "not_accepted": "Non accepté par ce partenaire",
    "not_cancellable": "Transaction non annulable",
    "already_cancelled": "Transaction déjà annulée",
    "idempotency_conflict": "Clé d'idempotence déjà utilisée",
    "idempotency_in_progress": "Requête en cours de traitement",
    "token_invalid": "QR code invalide",
    "token_expired": "QR code expiré",
    "rate_limited": "Trop de tentatives",
    "offline_not_allowed": "Paiement hors ligne non autorisé",
    "offline_limit_exceeded": "Plafond hors ligne dépassé",
    "payload_too_large": "Requête trop volumineuse",
    "journal_conflict": "Journal du terminal contredit",
    "archive_key_conflict": "Clé d'archive déjà enregistrée",
    "internal_error": "Erreur interne",
}


class ApiError(Exception):
    """A refusal: HTTP status, machine code, a sentence for people, optional extension members."""

    def __init__(self, status: int, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.extra = extra
        self.headers: dict[str, str] = {}

    def body(self) -> dict[str, Any]:
        return problem_body(self.status, self.code, self.detail, **self.extra)


def problem_body(status: int, code: str, detail: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE.format(code=code),
        "title": TITLES.get(code, code),
        "status": status,
        "detail": detail,
        "code": code,
    }
    body.update(extra)
    return body


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def problem_response(
    status: int, code: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    return Response(
        dumps(problem_body(status, code, detail, **extra)),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def unauthorized(detail: str = "Jeton d'accès absent, inconnu ou révoqué.") -> ApiError:
    err = ApiError(401, "unauthorized", detail)
    err.headers["WWW-Authenticate"] = "Bearer"
    return err


def validation(detail: str, *, status: int = 422, errors: list[Any] | None = None) -> ApiError:
    if errors:
        return ApiError(status, "validation_error", detail, errors=errors)
    return ApiError(status, "validation_error", detail)
