"""The terminal installs and imports without the central service's server stack."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVER_STACK = {
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "psycopg-binary",
    "argon2-cffi",
    "fpdf2",
}


def _exported(*args: str) -> set[str]:
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")
    out = subprocess.run(
        [uv, "export", "--frozen", "--no-hashes", "--no-header", "--no-emit-project", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = set()
    for line in out.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "-")):
            names.add(line.split("==")[0].split("[")[0].split(";")[0].strip().lower())
    return names


def test_the_terminals_installed_set_holds_none_of_the_services_packages():
    terminal = _exported("--no-dev")
    with_service = _exported("--no-dev", "--extra", "central")
    assert "pyside6-essentials" in terminal and "cryptography" in terminal
    assert terminal & SERVER_STACK == set()
    assert SERVER_STACK - {"psycopg-binary"} <= with_service


BLOCKER = """
import sys
BLOCKED = {"central", "fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "psycopg",
           "argon2", "fpdf"}
class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is not part of the terminal")
sys.meta_path.insert(0, Blocker())
import pkgutil, importlib, pos
for mod in pkgutil.walk_packages(pos.__path__, "pos."):
    if not mod.name.endswith("__main__"):
        importlib.import_module(mod.name)
from pos.cli import main
sys.exit(main(["--help"]))
"""


def test_every_terminal_module_imports_without_the_service_installed():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", BLOCKER],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "usage" in done.stdout.lower()
