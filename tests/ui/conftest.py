"""UI test fixtures: real widgets offscreen, a real central service over HTTP, fresh folders.

Like napari's `_fresh_settings`: every test gets its own data folder, settings, keyring and
XDG folders, so nothing touches the real user's; message boxes are answered by ScriptedPrompts.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.central_server import start_central

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "test-output" / "screenshots"


@pytest.fixture(autouse=True)
def _fresh_ui_env(tmp_path, monkeypatch):
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        folder = tmp_path / "xdg" / name.lower()
        folder.mkdir(parents=True)
        monkeypatch.setenv(name, str(folder))
    # Same as the terminal tests: a file keyring in this test's temp folder (XDG_DATA_HOME).
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.setenv("HDF_POS_ALLOW_INSECURE_KEYRING", "1")
    import keyring.core

    monkeypatch.setattr(keyring.core, "_keyring_backend", None, raising=False)
    yield


@pytest.fixture(scope="module")
def central(tmp_path_factory):
    """One demo central service for a test module (tests that stop it use their own)."""
    with start_central(data_dir=tmp_path_factory.mktemp("central")) as c:
        yield c


def shot(widget, name: str) -> Path:
    """Save what the widget shows, for a person to look at (test-output/screenshots/)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    widget.grab().save(str(path))
    return path


def pytest_configure(config):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _counter_style(qapp):
    """The product's style sheet, so screenshots show what a cashier sees."""
    from pos.ui import resources

    if not qapp.styleSheet():
        qapp.setStyleSheet(resources.style_sheet())
