"""Signed archives (issue 14): the key pair made at enrolment (private key in the keyring, public
key registered with the service), `hdf-pos journal archive --month`, and `hdf-pos journal
verify-archive FILE` on a machine with no terminal database and no keyring. One byte changed, one
entry removed or a wrong key fails it. Against the service on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.central_server import CentralProcess, sqlite_url, start_central
from support.clock import clock_at

from hdf_common import qrtoken
from pos import archive
from pos.sync import archive_key

CARD = "23166621"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def archive_central(request, tmp_path_factory) -> Iterator[CentralProcess]:
    data_dir = tmp_path_factory.mktemp(f"central-archive-{request.param}")
    if request.param == "postgres":
        url = str(request.getfixturevalue("pg_cluster").create_database("archive"))
    else:
        url = sqlite_url(data_dir / "central.db")
    with start_central(database_url=url, data_dir=data_dir) as proc:
        yield proc


@pytest.fixture
def closed_month(archive_central, make_terminal, run_cli, tmp_path) -> tuple[Path, Any]:
    """A terminal whose October 2026 is closed (two days of payments), archived to a file."""
    t = make_terminal(archive_central.url, name="archive")
    registered = t.connection.client().request("GET", archive_key.PATH)
    data = Path(t.data_dir)
    t.close()
    for when in ("2026-10-05T10:00:00+02:00", "2026-10-06T11:00:00+02:00"):
        with clock_at(when):
            code, out, err = run_cli(
                "--data-dir", data, "pay", "--card", CARD, "--wallet", "MANUEQUIP",
                "--amount", "1,25",
            )  # fmt: skip
            assert code == 0, out + err
            code, _, err = run_cli("--data-dir", data, "sync", "--once")
    with clock_at("2026-11-02T09:00:00+01:00"):
        for day in ("2026-10-05", "2026-10-06"):
            assert run_cli("--data-dir", data, "close-day", "--date", day)[0] == 0
        assert run_cli("--data-dir", data, "close-month", "--month", "2026-10")[0] == 0
        path = tmp_path / "octobre.json"
        code, out, err = run_cli(
            "--data-dir", data, "journal", "archive", "--month", "2026-10", "--out", path
        )
        assert code == 0, err
        assert "clôturé" in out and registered["public_key"] in out
    return path, registered


def verify_elsewhere(run_cli, path: Path, *extra: str) -> tuple[int, str, str]:
    return run_cli("journal", "verify-archive", path, *extra)


def test_the_key_pair_is_made_at_enrolment_and_registered(archive_central, make_terminal) -> None:
    t = make_terminal(archive_central.url, name="archive-key")
    key = archive_key.load(t.connection.terminal_id)
    assert key is not None  # in the keyring, not in the database
    registered = t.connection.client().request("GET", archive_key.PATH)
    assert registered["public_key"] == archive_key.public_key_text(key)
    assert (
        archive_key.public_key_text(key).encode() not in (t.data_dir / "terminal.db").read_bytes()
    )
    pem = qrtoken.private_key_to_pem(key)
    assert pem.split("\n")[1].encode() not in (t.data_dir / "terminal.db").read_bytes()


def test_an_archive_verifies_on_a_machine_without_database_or_keyring(
    closed_month, run_cli, monkeypatch, tmp_path
) -> None:
    path, registered = closed_month
    # Another machine: no data folder, no keyring at all.
    monkeypatch.setenv("HDF_POS_HOME", str(tmp_path / "nowhere"))
    keyring.set_keyring(keyring.core.load_keyring("keyring.backends.fail.Keyring"))
    code, out, err = verify_elsewhere(run_cli, path, f"--public-key={registered['public_key']}")
    assert code == 0, err
    assert "Archive valable : mois 2026-10" in out and "tête(s) témoin(s)" in out
    assert not (tmp_path / "nowhere").exists()
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["closed"] and doc["witnessed_heads"]
    types = [e["type"] for e in doc["entries"]]
    assert types.count("day_closing") == 2 and types[-1] == "month_closing"
    assert "MARTIN" not in path.read_text(encoding="utf-8")  # the digest, not the name


def test_one_byte_changed_fails(closed_month, run_cli, tmp_path) -> None:
    path, _ = closed_month
    text = path.read_text(encoding="utf-8")
    assert '"amount_cents": 125' in text
    bad = tmp_path / "bad.json"
    bad.write_text(text.replace('"amount_cents": 125', '"amount_cents": 124', 1), encoding="utf-8")
    code, _, err = verify_elsewhere(run_cli, bad)
    assert code == 1 and "signature invalide" in err


def test_one_entry_removed_fails_even_re_signed(closed_month, run_cli, tmp_path) -> None:
    path, _ = closed_month
    doc = json.loads(path.read_text(encoding="utf-8"))
    del doc["entries"][1]
    bad = tmp_path / "removed.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    code, _, err = verify_elsewhere(run_cli, bad)
    assert code == 1 and "signature invalide" in err
    # Re-signed with a key of one's own: the signature holds, the chain does not.
    forger = qrtoken.generate_private_key()
    doc["public_key"] = archive_key.public_key_text(forger)
    doc["signature"] = qrtoken.b64url_encode(forger.sign(archive.signed_bytes(doc)))
    bad.write_text(json.dumps(doc), encoding="utf-8")
    code, _, err = verify_elsewhere(run_cli, bad)
    assert code == 1 and "absente" in err


def test_a_wrong_key_fails(closed_month, run_cli, tmp_path) -> None:
    path, _ = closed_month
    other = archive_key.public_key_text(qrtoken.generate_private_key())
    code, _, err = verify_elsewhere(
        run_cli, path, f"--public-key={other}"
    )  # "=": a key may begin with "-"
    assert code == 1 and "pas celle attendue" in err
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["public_key"] = other  # the terminal's signature under another key
    bad = tmp_path / "other-key.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    code, _, err = verify_elsewhere(run_cli, bad)
    assert code == 1 and "signature invalide" in err


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(
        st.binary(max_size=200),
        st.recursive(
            st.none() | st.integers() | st.text(max_size=20),
            lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=4),
            max_leaves=10,
        ).map(lambda v: json.dumps(v).encode()),
    )
)
def test_any_file_gets_an_answer_not_a_crash(data: bytes) -> None:
    check = archive.verify(data)
    assert not check.ok and check.reason


def test_the_current_month_so_far_is_archived_and_verifies(
    archive_central, make_terminal, run_cli, tmp_path
) -> None:
    t = make_terminal(archive_central.url, name="archive-now")
    assert t.pay(scan=CARD, wallet_code="MANUEQUIP", amount_cents=310).ok
    t.sync()
    data = Path(t.data_dir)
    t.close()
    month = json.loads(run_cli("--data-dir", data, "transactions", "--json")[1])[0]["occurred_at"]
    path = tmp_path / "now.json"
    code, out, err = run_cli(
        "--data-dir", data, "journal", "archive", "--month", month[:7], "--out", path
    )
    assert code == 0 and "en cours (non clôturé)" in out, err
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert not doc["closed"] and [e["type"] for e in doc["entries"]] == ["payment"]
    heads = [(h["seq"], h["hash"]) for h in doc["witnessed_heads"]]
    assert heads == [(1, doc["entries"][0]["hash"])]  # the sync pass's head, witnessed
    code, out, err = verify_elsewhere(run_cli, path)
    assert code == 0, err
    code, _, err = run_cli("--data-dir", data, "journal", "archive", "--month", "2026-13")
    assert code == 2 and "non valable" in err
