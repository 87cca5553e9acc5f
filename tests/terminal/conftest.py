"""Terminal test fixtures: an isolated keyring and data folder for every test, the real central
service on 127.0.0.1, enrolled terminals, and the command line run in-process."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support.central_server import CentralProcess, start_central

from pos import cli
from pos.terminal import Terminal


@pytest.fixture(autouse=True)
def _isolated_terminal_env(tmp_path_factory, monkeypatch):
    """Never the real keyring, never the user's data folder."""
    home = tmp_path_factory.mktemp("pos-home")
    keyring_dir = tmp_path_factory.mktemp("keyring")
    monkeypatch.setenv("HDF_POS_HOME", str(home))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.setenv("HDF_POS_ALLOW_INSECURE_KEYRING", "1")
    # keyrings.alt's file backends keep their file under XDG_DATA_HOME.
    monkeypatch.setenv("XDG_DATA_HOME", str(keyring_dir))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(keyring_dir))
    import keyring

    keyring.set_keyring(keyring.core.load_keyring("keyrings.alt.file.PlaintextKeyring"))
    yield home


@pytest.fixture(scope="session")
def shared_central(tmp_path_factory) -> Iterator[CentralProcess]:
    """One demo central service for tests that never stop it (they use their own cards' money
    sparingly, or a terminal of their own)."""
    with start_central(data_dir=tmp_path_factory.mktemp("central-shared")) as central:
        yield central


@pytest.fixture
def central(tmp_path) -> Iterator[CentralProcess]:
    """A fresh demo central service for this test alone (it may be stopped and restarted)."""
    with start_central(data_dir=tmp_path / "central") as process:
        yield process


@pytest.fixture
def make_terminal(tmp_path) -> Iterator[Callable[..., Terminal]]:
    opened: list[Terminal] = []

    def make(
        central_url: str, partner: str = "L212", label: str = "Caisse 1", name: str = "t"
    ) -> Terminal:
        terminal = Terminal.open(tmp_path / f"terminal-{name}-{len(opened)}")
        terminal.enroll(
            server_url=central_url, partner_code=partner, password=f"Demo-{partner}", label=label
        )
        opened.append(terminal)
        return terminal

    yield make
    for terminal in opened:
        try:
            terminal.close()
        except Exception:
            pass


@pytest.fixture
def run_cli(capsys) -> Callable[..., tuple[int, str, str]]:
    """Run `hdf-pos ARGS` in this process; returns (exit code, stdout, stderr)."""

    def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        capsys.readouterr()
        if stdin is not None:
            import io

            old = sys.stdin
            sys.stdin = io.StringIO(stdin)
            try:
                code = cli.main([str(a) for a in args])
            finally:
                sys.stdin = old
        else:
            code = cli.main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def data_dir_of(terminal: Terminal) -> Path:
    return Path(terminal.data_dir)
