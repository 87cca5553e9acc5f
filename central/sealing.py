"""Secrets at rest: the QR signing private keys are stored sealed (AES-256-GCM), never in clear.

The sealing key is kept outside the database, so a copy of the database alone cannot mint card QR
codes that pay. It comes from, in this order:

- `HDF_CENTRAL_SECRET_KEY`: the key itself, 32 bytes in URL-safe base64 (for hosts that share one
  PostgreSQL database: give them all the same value);
- `HDF_CENTRAL_SECRET_KEY_FILE`: a file holding that text;
- else the file `<database>.key` next to the SQLite database (for PostgreSQL, `secret.key` in the
  data folder, HDF_CENTRAL_DATA_DIR), created on first start, readable by the service's user alone.

A key file that others may read is refused (the service does not start). Each sealed key is bound
to its kid (the GCM associated data), so a sealed key cannot be moved to another row.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import stat
import threading
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, select, update
from sqlalchemy.engine import URL, make_url

from central.db import data_dir, normalize_url
from central.models import signing_keys

KEY_ENV = "HDF_CENTRAL_SECRET_KEY"
KEY_FILE_ENV = "HDF_CENTRAL_SECRET_KEY_FILE"
PREFIX = "aesgcm1:"
CLEAR_PREFIX = "-----BEGIN"


class SealingError(RuntimeError):
    """The sealing key is missing, malformed, readable by others, or not the one that sealed."""


def default_key_file(url: str | URL) -> Path:
    parsed = make_url(normalize_url(url) if isinstance(url, str) else url)
    database = parsed.database or ""
    if parsed.get_backend_name() == "sqlite" and database and database != ":memory:":
        path = Path(database)
        return path.with_name(path.name + ".key")
    return data_dir() / "secret.key"


def _decode(text: str, where: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        key = b""
    if len(key) != 32:
        raise SealingError(f"{where} : 32 octets en base64 (URL) attendus")
    return key


def _read_file(path: Path) -> bytes:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SealingError(
            f"{path} est lisible par d'autres que l'utilisateur du service : chmod 600 {path}"
        )
    return _decode(path.read_text(encoding="ascii", errors="replace"), str(path))


def _create_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = base64.urlsafe_b64encode(secrets.token_bytes(32)) + b"\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return
    try:
        os.write(fd, text)
        os.fsync(fd)
    finally:
        os.close(fd)


def load_key(url: str | URL, *, create: bool = True, path: Path | None = None) -> bytes:
    """The sealing key for the database at `url` (see the module's docstring for where from);
    `path` overrides where the key file is looked for."""
    if path is None and os.environ.get(KEY_ENV):
        return _decode(os.environ[KEY_ENV], KEY_ENV)
    configured = os.environ.get(KEY_FILE_ENV) if path is None else str(path)
    path = Path(configured) if configured else default_key_file(url)
    if not path.exists():
        if configured or not create:
            raise SealingError(f"clé de chiffrement absente : {path}")
        _create_file(path)
    return _read_file(path)


class Sealer:
    """Seals and opens the private keys of one database."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, kid: str, pem: str) -> str:
        nonce = secrets.token_bytes(12)
        box = self._aead.encrypt(nonce, pem.encode("ascii"), kid.encode("utf-8"))
        return PREFIX + base64.b64encode(nonce + box).decode("ascii")

    def open(self, kid: str, stored: str) -> str:
        if stored.startswith(CLEAR_PREFIX):  # not yet sealed (sealed at the next start)
            return stored
        if not stored.startswith(PREFIX):
            raise SealingError(f"clé {kid} : format inconnu")
        try:
            raw = base64.b64decode(stored[len(PREFIX) :])
            return self._aead.decrypt(raw[:12], raw[12:], kid.encode("utf-8")).decode("ascii")
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise SealingError(
                f"clé {kid} : impossible à déchiffrer avec cette clé de chiffrement "
                f"({KEY_ENV} ou le fichier de clé ne sont pas ceux de cette base)"
            ) from exc


_sealers: dict[str, Sealer] = {}
_lock = threading.Lock()


def sealer_for(url: str | URL) -> Sealer:
    """The process's `Sealer` for this database (the key is read once)."""
    name = url if isinstance(url, str) else url.render_as_string(hide_password=False)
    with _lock:
        if name not in _sealers:
            _sealers[name] = Sealer(load_key(url))
        return _sealers[name]


def seal_clear_keys(conn: Connection) -> int:
    """Seal the keys an older version stored in clear, and check every key opens; returns how many
    were sealed. Run at every start, in the start's transaction."""
    sealer = sealer_for(conn.engine.url)
    sealed = 0
    for row in conn.execute(select(signing_keys.c.kid, signing_keys.c.private_pem)).all():
        pem = sealer.open(row.kid, row.private_pem)
        if row.private_pem.startswith(CLEAR_PREFIX):
            conn.execute(
                update(signing_keys)
                .where(signing_keys.c.kid == row.kid)
                .values(private_pem=sealer.seal(row.kid, pem))
            )
            sealed += 1
    return sealed
