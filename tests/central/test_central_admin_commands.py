"""Issue 13, finding 5: the administrator revokes a terminal, changes a partner's password and
retires a signing key, with `hdf-central` against the running service's database (SQLite and
PostgreSQL); the service obeys at once (API.md, version 1.1, "Tokens have a life cycle")."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable

from support.api import Client, assert_problem
from support.central_server import REPO_ROOT, CentralProcess, central_env


def hdf_central(
    central: CentralProcess, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run one `hdf-central` command on the service's database, as its administrator would."""
    return subprocess.run(
        [sys.executable, "-m", "central", *args, "--database", central.database_url],
        cwd=REPO_ROOT,
        env=central_env(central.data_dir),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def listed(central: CentralProcess, *args: str) -> dict[str, dict[str, str]]:
    """`terminal list` as {terminal id: {column: value}}."""
    done = hdf_central(central, "terminal", "list", *args)
    assert done.returncode == 0, done.stderr
    header, *rows = done.stdout.strip().split("\n")
    names = header.split("\t")
    return {r.split("\t")[0]: dict(zip(names, r.split("\t"), strict=True)) for r in rows}


def within(seconds: float, check: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_terminal_list_shows_each_terminal_and_filters_by_partner(
    central: CentralProcess, api: Client
) -> None:
    front = api.enrol("L404", label="Comptoir\tavant")
    back = api.enrol("L404", label="Réserve")
    other = api.enrol("E305", label="Atelier")
    everyone = listed(central)
    assert {front.terminal_id, back.terminal_id, other.terminal_id} <= set(everyone)
    mine = listed(central, "--partner", "L404")
    assert set(mine) >= {front.terminal_id, back.terminal_id}
    assert other.terminal_id not in mine
    row = mine[back.terminal_id]
    assert row["partenaire"] == "L404" and row["libellé"] == "Réserve"
    assert row["révoqué"] == "non"
    assert mine[front.terminal_id]["libellé"] == "Comptoir avant"  # a tab cannot shift columns
    # Recorded by other parts of the service once they exist; "—" until then.
    assert row["dernier usage"] == "—" or row["dernier usage"].endswith("UTC")
    assert row["conflits de journal"] in ("—", "0")
    unknown = hdf_central(central, "terminal", "list", "--partner", "NOPE")
    assert unknown.returncode == 1 and "NOPE" in unknown.stderr


def test_a_revoked_terminal_is_refused_at_once(central: CentralProcess, api: Client) -> None:
    stolen = api.enrol("L212", label="Volée")
    kept = api.enrol("L212", label="Gardée")
    assert stolen.get("/v1/partner").status_code == 200
    done = hdf_central(central, "terminal", "revoke", stolen.terminal_id)
    assert done.returncode == 0 and "révoqué" in done.stdout, done.stderr
    assert_problem(stolen.get("/v1/partner"), 401, "unauthorized")
    assert_problem(stolen.pay("23166623", "MANUEQUIP", 100), 401, "unauthorized")
    assert kept.get("/v1/partner").status_code == 200
    assert listed(central, "--partner", "L212")[stolen.terminal_id]["révoqué"].endswith("UTC")
    again = hdf_central(central, "terminal", "revoke", stolen.terminal_id)
    assert again.returncode == 0 and "déjà révoqué" in again.stdout
    unknown = hdf_central(central, "terminal", "revoke", "00000000-0000-4000-8000-000000000000")
    assert unknown.returncode == 1 and "refusé" in unknown.stderr


def test_a_partner_password_changes_and_may_revoke_its_terminals(
    central: CentralProcess, api: Client
) -> None:
    before = api.enrol("E305", label="Avant")
    weak = hdf_central(central, "partner", "password", "E305", "--password-stdin", stdin="court\n")
    assert weak.returncode != 0 and "mot de passe refusé" in weak.stderr
    assert api.enrol("E305", label="Toujours").partner_code == "E305"  # nothing changed

    done = hdf_central(
        central, "partner", "password", "E305", "--password-stdin", stdin="Nouveau-E305x\n"
    )
    assert done.returncode == 0, done.stderr
    bad = api.post(
        "/v1/terminals", json={"partner_code": "E305", "password": "Demo-E305", "label": "x"}
    )
    assert_problem(bad, 401, "unauthorized")
    assert before.get("/v1/partner").status_code == 200  # without --revoke-terminals: kept
    after = api.enrol("E305", password="Nouveau-E305x", label="Après")

    done = hdf_central(
        central, "partner", "password", "E305", "--password-stdin", "--revoke-terminals",
        stdin="Encore-E305y\n",
    )  # fmt: skip
    assert done.returncode == 0 and "révoqué" in done.stdout, done.stderr
    for till in (before, after):
        assert_problem(till.get("/v1/partner"), 401, "unauthorized")
    assert api.enrol("E305", password="Encore-E305y", label="Neuve").partner_code == "E305"
    unknown = hdf_central(
        central, "partner", "password", "NOPE", "--password-stdin", stdin="Bon-mot-1A\n"
    )
    assert unknown.returncode == 1 and "NOPE" in unknown.stderr


def test_a_retired_key_stops_signing_and_its_qr_codes_are_refused(
    central: CentralProcess, api: Client
) -> None:
    till = api.enrol("L212", label="Caisse")
    holder = api.beneficiary("23166622")
    [old] = [k["kid"] for k in api.get("/v1/keys").json()["keys"]]
    old_qr = holder.qr()
    done = hdf_central(central, "keys", "retire", old)
    assert done.returncode == 0, done.stderr
    assert "nouvelle clé de signature" in done.stdout  # it was the last: a new one signs
    retired_at = time.monotonic()
    # At once: a new QR code is signed by the new key, and pays.
    fresh = holder.qr()
    assert till.pay("23166622", "MANUEQUIP", 100, qr_token=fresh).status_code == 201
    # Within 5 s: the key leaves /v1/keys, and what it signed is refused token_invalid.
    assert within(5, lambda: old not in {k["kid"] for k in api.get("/v1/keys").json()["keys"]})
    assert within(
        5 - (time.monotonic() - retired_at),
        lambda: till.pay("23166622", "MANUEQUIP", 100, qr_token=old_qr).status_code == 422,
    )
    assert_problem(till.pay("23166622", "MANUEQUIP", 100, qr_token=old_qr), 422, "token_invalid")
    unknown = hdf_central(central, "keys", "retire", old)  # already retired
    assert unknown.returncode == 1 and "refusé" in unknown.stderr
