"""Open a QR signing key as the service stored it (sealed with its key file, central.sealing):
tests that must make tokens the service would not make on demand read the key this way."""

from __future__ import annotations

from central.sealing import Sealer, default_key_file, load_key

from .central_server import CentralProcess


def open_signing_key(central: CentralProcess, kid: str, stored: str) -> str:
    """The PEM of `kid`, from the key file the service made (next to SQLite, or in its data
    folder for PostgreSQL)."""
    url = central.database_url
    path = default_key_file(url)
    if not url.startswith("sqlite"):
        path = central.data_dir / path.name
    return Sealer(load_key(url, path=path)).open(kid, stored)
