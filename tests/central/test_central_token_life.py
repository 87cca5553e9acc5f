"""API.md 1.1, tokens have a life cycle (issue 13, finding 5): `POST /v1/terminals/current/token`
rotates; the old token works until the new one is first used or for 10 minutes; a token unused
for 30 days is refused; the last use is kept in `terminals.last_used_at`, written at most once a
minute. On SQLite and PostgreSQL; the service's clock is moved by restarting it with HDF_CLOCK."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from support.api import Client, Terminal
from support.central_server import CentralProcess, sqlite_url
from support.clock import anchored, clock_env

from central.db import normalize_url
from hdf_common import clock


def _works(api: Client, token: str) -> int:
    return api.get("/v1/partner", token=token).status_code


def _rotate(api: Client, token: str) -> str:
    resp = api.post("/v1/terminals/current/token", token=token)
    assert resp.status_code == 200, resp.text
    assert set(resp.json()) == {"token"}
    return str(resp.json()["token"])


def test_rotation_keeps_the_old_token_until_the_new_one_is_used(api: Client, l212: Terminal):
    t0 = _rotate(api, l212.token or "")  # the fixture's token becomes the "old" one
    old = l212.token or ""
    assert _works(api, old) == 200  # still works: the new one is not used yet
    assert _works(api, t0) == 200  # first use of the new token...
    assert _works(api, old) == 401  # ...ends the old one
    l212.token = t0


def test_a_crash_before_storing_the_new_token_is_recovered_with_the_old_one(api: Client):
    terminal = api.enrol("L212", label="Caisse crash")
    old = terminal.token or ""
    lost = _rotate(api, old)  # the terminal dies before storing this one
    again = _rotate(api, old)  # restarted, it rotates again with the token it kept
    assert _works(api, lost) == 401  # replaced, never used
    assert _works(api, old) == 200
    assert _works(api, again) == 200
    assert _works(api, old) == 401
    assert _rotate(api, again)


def test_rotation_needs_a_valid_token(api: Client):
    assert api.post("/v1/terminals/current/token", token="").status_code == 401
    assert api.post("/v1/terminals/current/token", token="x" * 43).status_code == 401
    terminal = api.enrol("L212", label="Caisse partie")
    assert terminal.delete("/v1/terminals/current").status_code == 204
    assert api.post("/v1/terminals/current/token", token=terminal.token).status_code == 401


def test_the_openapi_document_describes_the_rotation(api: Client):
    doc = api.get("/v1/openapi.json").json()
    operation = doc["paths"]["/v1/terminals/current/token"]["post"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/TokenRotation")
    assert doc["components"]["schemas"]["TokenRotation"]["required"] == ["token"]


# -- time: the service restarted on the same database with a later clock --------------------------


@pytest.fixture
def service(request: pytest.FixtureRequest, backend: str, tmp_path) -> Iterator[CentralProcess]:
    if backend == "postgres":
        url = str(request.getfixturevalue("pg_cluster").create_database("life"))
    else:
        url = sqlite_url(tmp_path / "life.db")
    proc = CentralProcess(database_url=url, demo=True, data_dir=tmp_path)
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


def _later(proc: CentralProcess, at: datetime) -> Client:
    """The service, restarted with its clock reading `at` (and ticking)."""
    proc.stop()
    proc.extra_env = clock_env(anchored(at.isoformat()))
    proc.start()
    return Client(proc.url, timeout=30)


def _last_used(proc: CentralProcess, terminal_id: str) -> datetime | None:
    engine = sa.create_engine(normalize_url(proc.database_url))
    try:
        with engine.connect() as conn:
            value = conn.execute(
                sa.text("SELECT last_used_at FROM terminals WHERE id = :id"), {"id": terminal_id}
            ).scalar()
    finally:
        engine.dispose()
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value


def test_grace_of_ten_minutes_and_thirty_idle_days(service: CentralProcess):
    start = clock.now()
    api = Client(service.url, timeout=30)
    kept = api.enrol("L212", label="Caisse utilisée")
    idle = api.enrol("L212", label="Caisse oubliée")
    old = kept.token or ""
    new = _rotate(api, old)  # never used by the terminal

    api = _later(service, start + timedelta(minutes=11))
    assert _works(api, old) == 401  # the 10 minutes are over
    assert _works(api, new) == 200

    api = _later(service, start + timedelta(days=29, minutes=30))
    assert _works(api, new) == 200  # used 29 days later: still alive, and its use recorded
    assert _works(api, idle.token or "") == 200
    used = _last_used(service, kept.terminal_id)
    assert used is not None and used.date() == (start + timedelta(days=29)).date()

    api = _later(service, start + timedelta(days=59))
    assert _works(api, new) == 200  # 29.5 days after its last use
    api = _later(service, start + timedelta(days=89, hours=12))
    assert _works(api, new) == 401  # 30 days unused
    assert _works(api, idle.token or "") == 401
    assert api.post("/v1/terminals/current/token", token=new).status_code == 401


def test_last_use_is_written_at_most_once_a_minute(service: CentralProcess):
    api = Client(service.url, timeout=30)
    terminal = api.enrol("L212", label="Caisse minute")
    assert terminal.get("/v1/partner").status_code == 200
    first = _last_used(service, terminal.terminal_id)
    assert first is not None
    for _ in range(5):
        assert terminal.get("/v1/partner").status_code == 200
        assert terminal.get("/v1/cards/23166621").status_code == 200  # the hot path too
    time.sleep(0.5)  # the hot path writes from another thread
    assert _last_used(service, terminal.terminal_id) == first  # not rewritten

    api = _later(service, clock.now() + timedelta(minutes=2))
    assert _works(api, terminal.token or "") == 200
    second = _last_used(service, terminal.terminal_id)
    assert second is not None and second - first > timedelta(minutes=1)
