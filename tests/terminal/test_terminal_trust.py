"""Issue 13, terminal side: http:// only to this machine unless --insecure (and the state line
says so), the keyring judged by what stores the secret (a chainer is walked), no holder name
outside its journal entry, and the terminal's database readable by its user alone."""

from __future__ import annotations

import os
import socket
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import keyring
import keyring.core
import pytest
from hypothesis import given
from hypothesis import settings as settings_hypothesis
from hypothesis import strategies as st

from pos import settings
from pos.results import Outcome, Refused, TerminalStatus
from pos.sync import credentials
from pos.sync.client import unencrypted_remote
from pos.terminal import Terminal
from terminal.helpers import card_qr, create_voucher, dead_url
from terminal.trust_proxies import ForwardingProxy

REMOTE = "http://192.0.2.10:8443"  # TEST-NET-1: never contacted, the refusal comes first


def _own_address() -> str:
    """This machine's address on its network (not loopback): no packet leaves."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(("192.0.2.1", 9))
        return str(sock.getsockname()[0])


def lan_proxy(upstream_port: int) -> ForwardingProxy:
    """The central service (on 127.0.0.1) reached at this machine's network address."""
    return ForwardingProxy(upstream_port, host=_own_address())


# -- http:// to another machine ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "remote"),
    [
        ("http://127.0.0.1:8000", False),
        ("http://127.8.9.10", False),
        ("http://localhost:9", False),
        ("http://[::1]:9", False),
        ("https://central.example.org", False),
        ("http://central.example.org", True),
        ("http://192.168.1.20:8000", True),
        ("HTTP://10.0.0.1", True),
        ("http://[fd00::2]:80", True),
        ("http://127.0.0.1.example.org", True),
    ],
)
def test_only_loopback_may_be_reached_in_clear(url, remote):
    assert unencrypted_remote(url) is remote


def test_enrol_over_http_to_another_machine_is_refused_without_insecure(run_cli):
    code, out, err = run_cli(
        "enroll", "--server", REMOTE, "--partner", "L212", "--label", "Caisse 1",
        "--password-stdin", stdin="Demo-L212\n",
    )  # fmt: skip
    assert code != 0
    assert "http://" in out + err and "--insecure" in out + err
    with Terminal.open() as t:
        assert not t.is_enrolled() and t.terminal_id is None


def test_insecure_enrolment_works_and_every_status_says_unencrypted(shared_central, run_cli):
    proxy = lan_proxy(shared_central.port)
    try:
        assert unencrypted_remote(proxy.url)
        code, out, err = run_cli(
            "enroll", "--server", proxy.url, "--partner", "L212", "--label", "Caisse LAN",
            "--insecure", "--password-stdin", stdin="Demo-L212\n",
        )  # fmt: skip
        assert code == 0, out + err
        code, out, _ = run_cli("status")
        assert code == 0 and "connexion non chiffrée" in out
        with Terminal.open() as t:
            assert t.status(probe=True).unencrypted and t.lookup("23166621").card_number
            # "any later use": without the recorded consent, the address is refused again.
            settings.INSECURE_HTTP.set(t.store, False)
            t.connection.forget_client()
            with pytest.raises(Refused) as refused:
                t.lookup("23166621")
            assert refused.value.refusal.code == "insecure_transport"
    finally:
        proxy.close()


def test_an_enrolled_terminal_moved_to_a_remote_http_address_is_refused(
    shared_central, make_terminal
):
    t = make_terminal(shared_central.url, name="moved")
    assert not t.status(probe=False).unencrypted
    t.set_server_url(REMOTE)
    with pytest.raises(Refused) as refused:
        t.lookup("23166621")
    assert refused.value.refusal.code == "insecure_transport"


def test_the_state_line_shows_an_unencrypted_connection(qtbot, qapp):
    from pos.ui import resources
    from pos.ui.status_bar import StatusBar

    previous = qapp.styleSheet()
    qapp.setStyleSheet(resources.style_sheet())
    try:
        _show_unencrypted(qtbot, StatusBar)
    finally:
        qapp.setStyleSheet(previous)


def _show_unencrypted(qtbot, StatusBar) -> None:
    bar = StatusBar()
    qtbot.addWidget(bar)
    bar.resize(1366, 40)
    bar.show()

    def status(unencrypted: bool) -> TerminalStatus:
        return TerminalStatus(
            enrolled=True, online=True, queue=0, oldest_queued_at=None, last_sync_at=None,
            clock_drift_seconds=0.0, follow_ups=0, offline_window_remaining_s=None,
            drift_warning=False, unencrypted=unencrypted,
        )  # fmt: skip

    bar._apply_status(status(False))
    assert not bar.unencrypted.isVisible()
    bar._apply_status(status(True))
    assert bar.unencrypted.isVisible() and bar.unencrypted.text().endswith("connexion non chiffrée")
    out = Path("test-output/term-trust")
    out.mkdir(parents=True, exist_ok=True)
    bar.grab().save(str(out / "status-bar-unencrypted.png"))


# -- the keyring ------------------------------------------------------------------------------


def test_a_chainer_wrapping_a_plaintext_keyring_is_refused(shared_central, run_cli, monkeypatch):
    monkeypatch.delenv(credentials.ALLOW_INSECURE_ENV)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.chainer.ChainerBackend")
    keyring.set_keyring(keyring.core.load_env())  # what PYTHON_KEYRING_BACKEND selects
    assert type(keyring.get_keyring()).__name__ == "ChainerBackend"
    assert "PlaintextKeyring" in credentials.backend_name()
    with pytest.raises(credentials.KeyringUnavailable):
        credentials.check_backend()
    code, out, err = run_cli(
        "enroll", "--server", shared_central.url, "--partner", "L212", "--label", "Caisse 1",
        "--password-stdin", stdin="Demo-L212\n",
    )  # fmt: skip
    assert code != 0 and "Trousseau" in out + err
    with Terminal.open() as t:
        assert not t.is_enrolled()


def test_a_chainer_of_secure_backends_only_is_accepted(monkeypatch):
    class Secure:  # stands for Secret Service, Keychain, Windows Credential Locker
        pass

    class Chain:
        backends: ClassVar[list[object]] = [Secure(), Secure()]

    monkeypatch.delenv(credentials.ALLOW_INSECURE_ENV)
    monkeypatch.setattr(keyring, "get_keyring", lambda: Chain())
    credentials.check_backend()  # no refusal
    Chain.backends = []  # an empty chain stores nothing: as bad as the null backend
    with pytest.raises(credentials.KeyringUnavailable):
        credentials.check_backend()


# -- no name outside its journal entry --------------------------------------------------------


def _rows_naming(db: Path, names: tuple[str, ...]) -> dict[str, int]:
    """How many rows of each table contain one of `names` (read from the file itself)."""
    found: dict[str, int] = {}
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                text = " ".join(str(v) for v in row).upper()
                if any(name.upper() in text for name in names):
                    found[table] = found.get(table, 0) + 1
    return found


def test_no_holder_name_outside_the_journal_after_offline_operations(central, make_terminal):
    t = make_terminal(central.url, name="privacy")
    voucher = create_voucher(central.url, "23166621", "L212", "MANUEQUIP", 1000)
    card = card_qr(central.url, "23166622")
    t.set_server_url(dead_url())
    assert t.redeem(scan=voucher["qr_token"]).outcome is Outcome.OFFLINE_QUEUED
    assert t.pay(scan=card, wallet_code="MANUEQUIP", amount_cents=500).outcome is (
        Outcome.OFFLINE_QUEUED
    )
    t.set_server_url(central.url)
    report = t.sync()
    assert (report.applied, report.rejected) == (2, 0)
    # An online payment: its journal entry names the holder, the one place for a name.
    assert t.pay(scan="23166622", wallet_code="MANUEQUIP", amount_cents=100).ok
    t.store.conn.execute("PRAGMA wal_checkpoint(FULL)")

    found = _rows_naming(t.store.path, ("Jean", "MARTIN", "Stéphane", "St\\u00e9phane"))
    # The journal: its entries, and the names kept beside the chain until erased (issue 14).
    assert set(found) <= {"journal", "journal_names"}, found
    assert found.get("journal", 0) + found.get("journal_names", 0) >= 1


# -- file modes -------------------------------------------------------------------------------


def _modes(folder: Path) -> dict[str, int]:
    return {
        p.name: stat.S_IMODE(p.stat().st_mode)
        for p in folder.iterdir()
        if p.name.startswith("terminal.db")
    }


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_terminal_db_and_its_wal_are_private_even_under_a_lax_umask(tmp_path):
    old = os.umask(0o022)
    try:
        with Terminal.open(tmp_path / "t") as t:
            t.store.set_state("probe", 1)
            modes = _modes(tmp_path / "t")
    finally:
        os.umask(old)
    assert set(modes) == {"terminal.db", "terminal.db-wal", "terminal.db-shm"}
    assert set(modes.values()) == {0o600}, {k: oct(v) for k, v in modes.items()}


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_an_older_world_readable_database_is_narrowed_at_open(tmp_path):
    folder = tmp_path / "old"
    with Terminal.open(folder):
        pass
    (folder / "terminal.db").chmod(0o644)
    with Terminal.open(folder):
        assert set(_modes(folder).values()) == {0o600}


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_a_new_process_and_the_demo_create_private_files(tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "HDF_POS_HOME": str(home)}
    done = subprocess.run(
        ["/bin/sh", "-c", 'umask 022 && exec "$0" -m pos status', sys.executable],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert "non enrôlé" in done.stdout, done.stdout + done.stderr
    [db] = home.rglob("terminal.db")
    assert set(_modes(db.parent).values()) == {0o600}

    from pos.ui import demo

    central = demo.DemoCentral.start()
    try:
        with Terminal.open(central.terminal_dir) as t:
            t.enroll(
                server_url=central.url, partner_code="L212", password="Demo-L212", label="Démo"
            )
            assert set(_modes(central.terminal_dir).values()) == {0o600}
    finally:
        central.stop()


# -- untrusted input: any address typed or configured -------------------------------------------


@settings_hypothesis(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=80),
        st.builds(
            lambda scheme, host, rest: f"{scheme}://{host}{rest}",
            st.sampled_from(["http", "HTTP", "https", "ftp", ""]),
            st.one_of(
                st.text(max_size=30),
                st.ip_addresses().map(lambda ip: f"[{ip}]" if ip.version == 6 else str(ip)),
            ),
            st.text(max_size=20),
        ),
    )
)
def test_any_address_is_judged_without_an_error(url):
    verdict = unencrypted_remote(url)
    assert isinstance(verdict, bool)
    if not url.strip().lower().startswith("http:"):
        assert verdict is False  # only plain http is ever judged unencrypted
