"""scripts/bootstrap.sh on machines it cannot fix: one clear sentence, nothing installed.

The happy paths (root on a clean Debian 12 or Ubuntu 24.04, a user who is not root) are proven on
clean root file systems: docs/SETUP.md. These tests cover the refusals, with stub commands on PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _stub(bindir: Path, name: str, script: str) -> None:
    path = bindir / name
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(0o755)


def _machine(tmp_path: Path, *, uid: int, python3: str) -> tuple[Path, dict[str, str]]:
    """A PATH with the basic tools, `id -u` answering `uid`, no uv and no apt-get."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("bash", "dirname", "mkdir", "rm", "ln", "cat", "grep"):
        found = shutil.which(tool)
        assert found, tool
        os.symlink(found, bindir / tool)
    _stub(bindir, "id", f'[ "$1" = -u ] && echo {uid}')
    _stub(bindir, "python3", python3)
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": str(bindir), "HOME": str(home), "LANG": "C.UTF-8"}
    return home, env


def _bootstrap(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "scripts/bootstrap.sh"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        executable=shutil.which("bash"),
    )


def test_a_user_whose_python_cannot_make_a_venv_is_told_which_package_to_ask_for(tmp_path):
    # Debian's python3 without python3-venv: `python3 -m venv` fails (ensurepip is missing).
    home, env = _machine(
        tmp_path, uid=1000, python3='echo "ensurepip is not available" >&2; exit 1'
    )
    done = _bootstrap(env)
    assert done.returncode != 0
    assert "ask your administrator to install the package python3-venv" in done.stderr
    assert "Traceback" not in done.stderr
    # Nothing half-made is left behind: the next run starts clean.
    assert not (home / ".local/share/hdf-pos/uv").exists()


def test_uv_already_on_path_is_used_and_nothing_is_installed(tmp_path):
    home, env = _machine(tmp_path, uid=1000, python3="exit 1")
    calls = tmp_path / "uv-calls"
    _stub(Path(env["PATH"]), "uv", f'echo "$@" >> {calls}')
    done = _bootstrap(env)
    assert done.returncode == 0, done.stderr
    assert calls.read_text().splitlines()[0] == "sync --frozen --quiet"
    assert not (home / ".local/share/hdf-pos").exists()


def test_a_user_missing_debian_packages_gets_the_apt_get_line(tmp_path):
    _home, env = _machine(tmp_path, uid=1000, python3="exit 1")
    bindir = Path(env["PATH"])
    _stub(bindir, "apt-get", "exit 99")  # must never be called by a non-root user
    _stub(
        bindir,
        "dpkg-query",
        'case "$3" in libzbar0|libzbar0t64) exit 1;; esac; echo "install ok installed"',
    )
    _stub(bindir, "initdb", "exit 0")
    _stub(bindir, "ls", "exit 0")
    done = _bootstrap(env)
    assert done.returncode != 0
    assert (
        "ask your administrator to run: apt-get install --no-install-recommends libzbar0"
        in done.stderr
    )


def test_libraries_renamed_for_64_bit_time_are_seen_as_installed(tmp_path):
    # Ubuntu 24.04: libzbar0 is installed as libzbar0t64; asking for it again every run is noise.
    _home, env = _machine(tmp_path, uid=1000, python3="exit 1")
    bindir = Path(env["PATH"])
    _stub(bindir, "dpkg-query", 'case "$3" in libzbar0) exit 1;; esac; echo "install ok installed"')
    _stub(bindir, "initdb", "exit 0")
    _stub(bindir, "uv", "exit 0")
    done = _bootstrap(env)
    assert done.returncode == 0, done.stderr
    assert "missing" not in done.stderr
