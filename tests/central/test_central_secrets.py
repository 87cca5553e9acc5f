"""Issue 13, finding 6: the QR signing keys are sealed at rest, and the service's database files
are readable by its user alone (API.md, version 1.1, "Secrets at rest")."""

from __future__ import annotations

import base64
import secrets
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.api import Client
from support.central_server import CentralStartError, start_central
from support.sealed import open_signing_key

from hdf_common import qrtoken


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def stored_keys(url: str) -> list[tuple[str, str]]:
    from central.db import normalize_url

    engine = sa.create_engine(normalize_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            return [
                tuple(r) for r in conn.execute(sa.text("SELECT kid, private_pem FROM signing_keys"))
            ]
    finally:
        engine.dispose()


def set_stored_key(url: str, kid: str, value: str) -> None:
    from central.db import normalize_url

    engine = sa.create_engine(normalize_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE signing_keys SET private_pem = :v WHERE kid = :k"),
                {"v": value, "k": kid},
            )
    finally:
        engine.dispose()


def a_qr_code_pays(api: Client) -> None:
    """The service still signs with its (sealed) key: a beneficiary's QR pays at a till."""
    holder = api.beneficiary("23166622")
    till = api.enrol("L212", label="Caisse")
    resp = till.pay("23166622", "MANUEQUIP", 100, qr_token=holder.qr())
    assert resp.status_code == 201, resp.text


def test_the_signing_keys_are_sealed_and_the_files_private(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    url = None
    if backend == "postgres":
        url = str(request.getfixturevalue("pg_cluster").create_database("central"))
    with start_central(database_url=url, demo=True, data_dir=tmp_path) as central:
        api = Client(central.url)
        a_qr_code_pays(api)
        keys = stored_keys(central.database_url)
        assert keys
        for kid, stored in keys:
            assert "PRIVATE KEY" not in stored and stored.startswith("aesgcm1:")
            # It opens with the key file, and it is the key /v1/keys publishes.
            pem = open_signing_key(central, kid, stored)
            public = qrtoken.public_jwk(qrtoken.private_key_from_pem(pem), kid)
            assert public in api.get("/v1/keys").json()["keys"]
        key_file = tmp_path / "central.db.key" if backend == "sqlite" else tmp_path / "secret.key"
        assert mode(key_file) == 0o600
        if backend == "sqlite":
            for name in ("central.db", "central.db-wal", "central.db-shm"):
                assert mode(tmp_path / name) == 0o600, name


def test_clear_keys_and_open_files_of_an_older_version_are_sealed_at_start(
    backend: str, tmp_path: Path
) -> None:
    if backend != "sqlite":
        pytest.skip("the same code seals on PostgreSQL (previous test); files are SQLite's")
    with start_central(demo=True, data_dir=tmp_path) as central:
        api = Client(central.url)
        published = api.get("/v1/keys").json()["keys"]
        central.stop()
        # As an older version left it: the key in clear PEM, the database readable by all.
        [(kid, stored)] = stored_keys(central.database_url)
        set_stored_key(central.database_url, kid, open_signing_key(central, kid, stored))
        assert "PRIVATE KEY" in stored_keys(central.database_url)[0][1]
        (tmp_path / "central.db").chmod(0o644)
        central.start()
        [(again, sealed)] = stored_keys(central.database_url)
        assert again == kid and sealed.startswith("aesgcm1:") and "PRIVATE" not in sealed
        assert mode(tmp_path / "central.db") == 0o600
        assert api.get("/v1/keys").json()["keys"] == published
        a_qr_code_pays(api)


def test_a_key_file_others_can_read_is_refused(backend: str, tmp_path: Path) -> None:
    if backend != "sqlite":
        pytest.skip("the key file is the same on both databases")
    with start_central(demo=True, data_dir=tmp_path) as central:
        central.stop()
        (tmp_path / "central.db.key").chmod(0o644)
        with pytest.raises(CentralStartError, match="chmod 600"):
            central.start()
        (tmp_path / "central.db.key").chmod(0o600)
        central.start()
        assert Client(central.url).get("/v1/health").status_code == 200


def test_the_key_may_come_from_the_environment_and_must_be_the_right_one(
    backend: str, tmp_path: Path
) -> None:
    if backend != "sqlite":
        pytest.skip("the environment is read the same way on both databases")
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    env = {"HDF_CENTRAL_SECRET_KEY": key}
    with start_central(demo=True, data_dir=tmp_path, env=env) as central:
        a_qr_code_pays(Client(central.url))
        assert not (tmp_path / "central.db.key").exists()  # no file when the variable is set
        [(kid, stored)] = stored_keys(central.database_url)
        from central.sealing import Sealer

        assert "PRIVATE KEY" in Sealer(base64.urlsafe_b64decode(key)).open(kid, stored)
        central.stop()
        central.extra_env = {"HDF_CENTRAL_SECRET_KEY": base64.urlsafe_b64encode(b"x" * 32).decode()}
        with pytest.raises(CentralStartError, match="impossible à déchiffrer"):
            central.start()
        central.extra_env = {"HDF_CENTRAL_SECRET_KEY": "trop court"}
        with pytest.raises(CentralStartError, match="32 octets"):
            central.start()
