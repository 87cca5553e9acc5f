"""The QR signing keys: stored with the database (sealed, central.sealing), the newest signs,
every unretired one verifies; a retired key neither signs nor verifies."""

from __future__ import annotations

import threading
import time
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, insert, select, update

from central.clock import now
from central.models import signing_keys
from central.sealing import sealer_for
from hdf_common import qrtoken

RELOAD_SECONDS = 2.0


def add_key(conn: Connection) -> str:
    """Generate a new Ed25519 key pair, store it, return its kid (it becomes the signing key)."""
    key = qrtoken.generate_private_key()
    kid = qrtoken.key_id(key)
    sealed = sealer_for(conn.engine.url).seal(kid, qrtoken.private_key_to_pem(key))
    conn.execute(insert(signing_keys).values(kid=kid, private_pem=sealed, created_at=now()))
    return kid


_VALID = select(signing_keys.c.kid).where(signing_keys.c.retired_at.is_(None))
_SIGNING_KID = _VALID.order_by(signing_keys.c.created_at.desc(), signing_keys.c.kid.desc()).limit(1)


def ensure_key(conn: Connection) -> None:
    """Make sure a key signs (a database whose keys were all retired gets a new one)."""
    if conn.execute(_VALID.limit(1)).first() is None:
        add_key(conn)


class UnknownKey(ValueError):
    """No valid key has this kid."""


def retire_key(conn: Connection, kid: str) -> str | None:
    """Retire `kid` at once: it no longer signs, leaves /v1/keys, and its tokens are refused.
    When it was the last valid key, a new one is made to sign: its kid is returned."""
    done = conn.execute(
        update(signing_keys)
        .where(signing_keys.c.kid == kid, signing_keys.c.retired_at.is_(None))
        .values(retired_at=now())
    )
    if done.rowcount != 1:
        raise UnknownKey(f"aucune clé valide « {kid} » (voir `hdf-central keys list`)")
    if conn.execute(_VALID.limit(1)).first() is None:
        return add_key(conn)
    return None


class KeyRing:
    """An in-memory copy of the keys, reloaded now and then so `keys rotate` reaches a running
    service (and every worker) without a restart."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._loaded_at = 0.0
        self._signing: tuple[str, Ed25519PrivateKey] | None = None
        self._jwks: list[dict[str, Any]] = []

    def _load(self) -> None:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(signing_keys.c.kid, signing_keys.c.private_pem)
                .where(signing_keys.c.retired_at.is_(None))
                .order_by(signing_keys.c.created_at, signing_keys.c.kid)
            ).all()
            conn.rollback()
        sealer = sealer_for(self._engine.url)
        keys = [
            (r.kid, qrtoken.private_key_from_pem(sealer.open(r.kid, r.private_pem))) for r in rows
        ]
        self._jwks = [qrtoken.public_jwk(k, kid) for kid, k in keys]
        self._signing = keys[-1] if keys else None
        self._loaded_at = time.monotonic()

    def _fresh(self) -> None:
        if time.monotonic() - self._loaded_at > RELOAD_SECONDS or self._signing is None:
            with self._lock:
                if time.monotonic() - self._loaded_at > RELOAD_SECONDS or self._signing is None:
                    self._load()

    def jwks(self) -> list[dict[str, Any]]:
        """Every valid public key, read afresh: a terminal must see a rotated key at once."""
        with self._lock:
            self._load()
        return list(self._jwks)

    def sign(self, claims: dict[str, Any]) -> str:
        # Which key signs is asked every time (one small query; signing is rare): a retired key
        # stops signing at once, in every worker.
        with self._engine.connect() as conn:
            kid = conn.execute(_SIGNING_KID).scalar()
            conn.rollback()
        with self._lock:
            if self._signing is None or self._signing[0] != kid:
                self._load()
        if self._signing is None:
            raise RuntimeError("no signing key: run `hdf-central keys rotate`")
        kid, key = self._signing
        return qrtoken.sign(claims, key, kid)

    def verify(self, token: str, *, at: float, require_exp: bool = True) -> dict[str, Any]:
        self._fresh()
        try:
            return qrtoken.verify(token, self._jwks, at=at, require_exp=require_exp)
        except qrtoken.TokenInvalid:
            # Perhaps signed by a key rotated in since the last reload: look once more (at most
            # once a second, so a flood of bad tokens does not become a flood of queries).
            if time.monotonic() - self._loaded_at < 1.0:
                raise
            with self._lock:
                self._load()
            return qrtoken.verify(token, self._jwks, at=at, require_exp=require_exp)
