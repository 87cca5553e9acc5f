"""Fixtures of the central API suite: every module runs against SQLite AND a real PostgreSQL.

Each test module gets its own freshly seeded service (new SQLite file, or new PostgreSQL database)
per backend, so modules never see each other's money; inside a module, tests use their own cards or
wallets, or compare balances before and after, so they do not depend on their order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from support.api import Client, Terminal
from support.central_server import CentralProcess, sqlite_url, start_central
from support.sealed import open_signing_key

from hdf_common import clock, qrtoken

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def new_database_url(request: pytest.FixtureRequest, backend: str, data_dir) -> str:
    if backend == "postgres":
        return str(request.getfixturevalue("pg_cluster").create_database("central"))
    return sqlite_url(data_dir / "central.db")


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def central(
    request: pytest.FixtureRequest, backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CentralProcess]:
    """A central service with the demo data, fresh for this module and backend."""
    data_dir = tmp_path_factory.mktemp(f"central-{backend}")
    url = new_database_url(request, backend, data_dir)
    with start_central(database_url=url, demo=True, data_dir=data_dir) as proc:
        yield proc


@pytest.fixture(scope="module")
def api(central: CentralProcess) -> Client:
    """Anonymous calls (health, keys, enrolment, beneficiary sessions)."""
    return Client(central.url)


@pytest.fixture(scope="module")
def l212(api: Client) -> Terminal:
    """A terminal of LES PAGES (prepayments and online payments, MANUEQUIP)."""
    return api.enrol("L212", label="Caisse 1")


@pytest.fixture(scope="module")
def e305(api: Client) -> Terminal:
    """A terminal of ATELIER PRO EQUIPEMENT (online payments, MANUEQUIP and PREMIEREQUIP)."""
    return api.enrol("E305", label="Atelier caisse")


@pytest.fixture(scope="module")
def l404(api: Client) -> Terminal:
    """A terminal of LIBRAIRIE DU BEFFROI (MANUEQUIP only, no prepayments, no online payments)."""
    return api.enrol("L404", label="Beffroi")


@pytest.fixture(scope="module")
def sign_card_token(central: CentralProcess) -> Callable[..., str]:
    """Sign a card QR token with the service's own current key (read from its database).

    The demo key pair is stored with the database (DEMO.md); tests need it only to make tokens
    the beneficiary endpoint cannot make on demand: ones that expired minutes ago.
    """
    url = central.database_url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT kid, private_pem FROM signing_keys WHERE retired_at IS NULL "
                "ORDER BY created_at DESC, kid DESC"
            )
        ).first()
    engine.dispose()
    assert row is not None, "no signing key in the database"
    kid, key = row[0], qrtoken.private_key_from_pem(open_signing_key(central, row[0], row[1]))

    def sign(
        card: str,
        *,
        iat: float | None = None,
        exp: float | None = None,
        wallets: list[dict[str, Any]] | None = None,
    ) -> str:
        issued = int(iat if iat is not None else clock.timestamp())
        claims = {
            "card": card,
            "iat": issued,
            "exp": int(exp if exp is not None else issued + qrtoken.CARD_TOKEN_LIFETIME_S),
            "wallets": wallets or [],
        }
        return qrtoken.CARD_PREFIX + qrtoken.sign(claims, key, kid)

    return sign
