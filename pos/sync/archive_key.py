"""The terminal's Ed25519 key pair for its signed journal archives (issue 14).

Made at enrolment: the private key (PEM) lives in the OS keyring only (service `hdf-pos-archive`,
user = terminal id), like the token; the public key is registered with the service
(`PUT /v1/terminals/current/archive-key`), so a third party can check that an archive comes from
this terminal. A registration the service did not get is retried after every sync pass.
"""

from __future__ import annotations

import logging

import keyring
import keyring.errors
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hdf_common import qrtoken
from pos.store import Store
from pos.sync import credentials
from pos.sync.client import ApiClient, ClientError

log = logging.getLogger("pos.sync")

SERVICE = "hdf-pos-archive"
PATH = "/v1/terminals/current/archive-key"
REGISTERED_KEY = "archive_key_registered"


def public_key_text(key: Ed25519PrivateKey) -> str:
    """The raw 32-byte public key, base64url without padding (43 characters)."""
    return qrtoken.b64url_encode(qrtoken.raw_public_bytes(key))


def load(terminal_id: str) -> Ed25519PrivateKey | None:
    credentials.check_backend()
    try:
        pem = keyring.get_password(SERVICE, terminal_id)
    except keyring.errors.KeyringError as exc:
        raise credentials.KeyringUnavailable(f"Trousseau inaccessible : {exc}") from exc
    return qrtoken.private_key_from_pem(pem) if pem else None


def create(terminal_id: str) -> Ed25519PrivateKey:
    """A new key pair for this terminal, its private key saved in the keyring."""
    key = qrtoken.generate_private_key()
    credentials.check_backend()
    try:
        keyring.set_password(SERVICE, terminal_id, qrtoken.private_key_to_pem(key))
    except keyring.errors.KeyringError as exc:
        raise credentials.KeyringUnavailable(f"Trousseau inaccessible : {exc}") from exc
    return key


def register(store: Store, api: ApiClient) -> bool:
    """Register this terminal's public key with the service unless done; True once it is."""
    terminal_id = store.get_state("terminal_id")
    if not terminal_id:
        return False
    if store.get_state(REGISTERED_KEY) == terminal_id:
        return True  # done at enrolment, or after an earlier pass: no keyring call every pass
    try:
        key = load(str(terminal_id))
    except credentials.KeyringUnavailable as err:
        log.warning("clé d'archive illisible : %s", err)
        return False
    if key is None:
        return False
    public = public_key_text(key)
    try:
        api.request("PUT", PATH, json={"public_key": public})
    except ClientError as err:
        log.info("clé d'archive non enregistrée : %s", err.code)
        return False
    store.set_state(REGISTERED_KEY, terminal_id)  # the terminal whose key the service holds
    return True
