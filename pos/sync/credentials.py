"""The terminal token lives in the OS keyring only, never in the database or a file of ours.

A plaintext keyring backend (keyrings.alt's files) or none at all is refused, with the way to fix
it, unless HDF_POS_ALLOW_INSECURE_KEYRING=1 (tests and throw-away demos).
"""

from __future__ import annotations

import os

import keyring
import keyring.errors

SERVICE = "hdf-pos"
ALLOW_INSECURE_ENV = "HDF_POS_ALLOW_INSECURE_KEYRING"
_INSECURE_MARKERS = ("keyrings.alt", "plaintext", "keyring.backends.fail", "keyring.backends.null")


class KeyringUnavailable(RuntimeError):
    """No trustworthy keyring; the message says how to fix it (French)."""

    code = "keyring_insecure"


def backend_name() -> str:
    backend = keyring.get_keyring()
    return f"{type(backend).__module__}.{type(backend).__name__}"


def is_insecure(name: str) -> bool:
    lowered = name.lower()
    return any(marker in lowered for marker in _INSECURE_MARKERS)


def check_backend() -> None:
    name = backend_name()
    if is_insecure(name) and os.environ.get(ALLOW_INSECURE_ENV) != "1":
        raise KeyringUnavailable(
            f"Trousseau système non sécurisé ou absent ({name}) : installez et déverrouillez le "
            "trousseau du système (Secret Service, Keychain, Windows Credential Locker). "
            f"Pour un test seulement : {ALLOW_INSECURE_ENV}=1."
        )


def save_token(terminal_id: str, token: str) -> None:
    check_backend()
    try:
        keyring.set_password(SERVICE, terminal_id, token)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(f"Trousseau inaccessible : {exc}") from exc


def load_token(terminal_id: str) -> str | None:
    check_backend()
    try:
        return keyring.get_password(SERVICE, terminal_id)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(f"Trousseau inaccessible : {exc}") from exc


def delete_token(terminal_id: str) -> None:
    try:
        keyring.delete_password(SERVICE, terminal_id)
    except keyring.errors.PasswordDeleteError:
        pass
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(f"Trousseau inaccessible : {exc}") from exc
