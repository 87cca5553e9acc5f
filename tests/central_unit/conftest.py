"""A demo central service per test module, on SQLite and on the throw-away PostgreSQL cluster."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from support.central_server import CentralProcess, start_central
from support.sealed import open_signing_key


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def central(request, tmp_path_factory) -> Iterator[CentralProcess]:
    data_dir = tmp_path_factory.mktemp(f"central-{request.param}")
    url = None
    if request.param == "postgres":
        url = request.getfixturevalue("new_postgres_database")()
    with start_central(database_url=url, demo=True, data_dir=data_dir) as proc:
        yield proc


def enrol(base: str, partner_code: str, password: str | None = None) -> httpx.Client:
    """A client authenticated as a new terminal of `partner_code` (demo password by default)."""
    resp = httpx.post(
        base + "/v1/terminals",
        json={
            "partner_code": partner_code,
            "password": password or f"Demo-{partner_code}",
            "label": f"caisse {uuid.uuid4().hex[:6]}",
        },
    )
    assert resp.status_code == 201, resp.text
    token = resp.json()["token"]
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def balance(client: httpx.Client, card: str, wallet: str) -> int:
    resp = client.get(f"/v1/cards/{card}")
    assert resp.status_code == 200, resp.text
    return next(w["balance_cents"] for w in resp.json()["wallets"] if w["code"] == wallet)


def sql(central: CentralProcess, statement: str, **params: object) -> list[tuple]:
    """Run one SQL statement on the service's own database (to set a scene or look inside)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from central.db import normalize_url

    engine = create_engine(normalize_url(central.database_url), poolclass=NullPool)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def beneficiary(base: str, dossier: str) -> httpx.Client:
    resp = httpx.post(
        base + "/v1/beneficiary/session",
        json={"dossier_number": dossier, "password": f"Demo-{dossier}"},
    )
    assert resp.status_code == 200, resp.text
    return httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {resp.json()['token']}"}, timeout=30
    )


def signing_key(central: CentralProcess) -> tuple[str, Any]:
    """The service's current QR signing key (kid, private key), read from its database."""
    from hdf_common import qrtoken

    [(kid, pem)] = sql(
        central, "SELECT kid, private_pem FROM signing_keys ORDER BY created_at DESC LIMIT 1"
    )
    return kid, qrtoken.private_key_from_pem(open_signing_key(central, kid, pem))
