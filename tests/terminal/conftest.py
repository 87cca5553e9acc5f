"""Keep every terminal test away from the real keyring and the real data folder."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_terminal_env(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("pos-home")
    keyring_dir = tmp_path_factory.mktemp("keyring")
    monkeypatch.setenv("HDF_POS_HOME", str(home))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.setenv("HDF_POS_ALLOW_INSECURE_KEYRING", "1")
    # keyrings.alt's file backends keep their file under XDG_DATA_HOME.
    monkeypatch.setenv("XDG_DATA_HOME", str(keyring_dir))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(keyring_dir))
    yield home
