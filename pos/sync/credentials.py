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


def _name(backend: object) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"


def storing_backends(backend: object) -> list[object]:
    """The backends that actually hold the secret: a chainer (keyring.backends.chainer) reads
    from and writes to the backends it wraps, so it is judged by them, never by its own name."""
    chained = getattr(backend, "backends", None)
    if chained is None or isinstance(chained, str):
        return [backend]
    found: list[object] = []
    for inner in list(chained):
        found.extend(storing_backends(inner))
    return found


def backend_name() -> str:
    """The configured backend, followed by what a chainer wraps: "chainer (a, b)"."""
    backend = keyring.get_keyring()
    inner = storing_backends(backend)
    if inner == [backend]:
        return _name(backend)
    return f"{_name(backend)} ({', '.join(_name(b) for b in inner) or 'vide'})"


def is_insecure(name: str) -> bool:
    lowered = name.lower()
    return any(marker in lowered for marker in _INSECURE_MARKERS)


def backend_is_insecure() -> bool:
    """True when no backend stores the secret, or any backend that may store or serve it is a
    plaintext or null one (a chainer writes to its first willing backend and reads from any)."""
    inner = storing_backends(keyring.get_keyring())
    return not inner or any(is_insecure(_name(b)) for b in inner)


def check_backend() -> None:
    name = backend_name()
    if backend_is_insecure() and os.environ.get(ALLOW_INSECURE_ENV) != "1":
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
