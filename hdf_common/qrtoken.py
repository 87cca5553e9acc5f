"""Sign and verify the QR tokens (JWS compact, EdDSA/Ed25519): the one module the terminal reuses.

It depends on the standard library and `cryptography` only, so the terminal can verify a card or
voucher QR offline with the keys it cached from `GET /v1/keys`, exactly as the service does.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

CARD_PREFIX = "HDF1:"
VOUCHER_PREFIX = "HDFV1:"
CARD_TOKEN_LIFETIME_S = 600
# A token is accepted from iat - 5 min: the phone's clock may be a little ahead of ours.
IAT_LEEWAY_S = 300


class TokenError(Exception):
    """A QR token that cannot be accepted; `code` is the API error code."""

    code = "token_invalid"


class TokenInvalid(TokenError):
    code = "token_invalid"


class TokenExpired(TokenError):
    code = "token_expired"


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or any(c in text for c in "=+/ \n"):
        raise TokenInvalid("base64url attendu")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenInvalid("base64url illisible") from exc


def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_to_pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def private_key_from_pem(pem: str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


def raw_public_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """A stable kid: the start of the SHA-256 of the raw public key (RFC 7638 in spirit)."""
    return b64url_encode(hashlib.sha256(raw_public_bytes(key)).digest()[:12])


def public_jwk(key: Ed25519PrivateKey | Ed25519PublicKey, kid: str | None = None) -> dict[str, str]:
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "alg": "EdDSA",
        "kid": kid or key_id(key),
        "x": b64url_encode(raw_public_bytes(key)),
    }


def _canonical(obj: Mapping[str, Any]) -> bytes:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def sign(claims: Mapping[str, Any], key: Ed25519PrivateKey, kid: str | None = None) -> str:
    """Return the JWS compact serialization of `claims` (no prefix)."""
    header = {"alg": "EdDSA", "kid": kid or key_id(key), "typ": "JWT"}
    signing_input = f"{b64url_encode(_canonical(header))}.{b64url_encode(_canonical(claims))}"
    signature = key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"


def _public_keys(jwks: Iterable[Mapping[str, Any]]) -> dict[str, Ed25519PublicKey]:
    keys: dict[str, Ed25519PublicKey] = {}
    for jwk in jwks:
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "kid" not in jwk:
            continue
        try:
            keys[str(jwk["kid"])] = Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
        except (TokenInvalid, ValueError, KeyError):
            continue
    return keys


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims without checking the signature: only to show what a refused token said."""
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenInvalid("jeton JWS mal formé")
    try:
        claims = json.loads(b64url_decode(parts[1]))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise TokenInvalid("charge utile illisible") from exc
    if not isinstance(claims, dict):
        raise TokenInvalid("charge utile illisible")
    return claims


def verify(
    token: str,
    jwks: Iterable[Mapping[str, Any]],
    *,
    at: float,
    require_exp: bool = True,
) -> dict[str, Any]:
    """Verify `token` (without prefix) against the JWKs and return its claims.

    `at` is the instant (seconds since the epoch) the token is judged at: now for a live scan, the
    operation's `occurred_at` for a synced offline operation. Raises TokenInvalid or TokenExpired.
    """
    if not isinstance(token, str) or len(token) > 8192:
        raise TokenInvalid("jeton absent ou trop long")
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenInvalid("jeton JWS mal formé")
    try:
        # Deep nesting (a scanned text is anyone's) is a refusal, not a crash.
        header = json.loads(b64url_decode(parts[0]))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise TokenInvalid("en-tête illisible") from exc
    if not isinstance(header, dict) or header.get("alg") != "EdDSA":
        raise TokenInvalid("algorithme non accepté")
    key = _public_keys(jwks).get(str(header.get("kid")))
    if key is None:
        raise TokenInvalid("clé de signature inconnue")
    try:
        key.verify(b64url_decode(parts[2]), f"{parts[0]}.{parts[1]}".encode("ascii"))
    except (InvalidSignature, UnicodeEncodeError) as exc:
        raise TokenInvalid("signature invalide") from exc
    claims = unverified_claims(token)
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        raise TokenInvalid("date d'émission absente")
    if at < iat - IAT_LEEWAY_S:
        raise TokenInvalid("jeton émis dans le futur")
    exp = claims.get("exp")
    if exp is None:
        if require_exp:
            raise TokenInvalid("date d'expiration absente")
    else:
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            raise TokenInvalid("date d'expiration illisible")
        if at > exp:
            raise TokenExpired("jeton expiré")
    return claims
