"""Run the real central service (`python -m central serve`) on a free 127.0.0.1 port for a test.

    with start_central(data_dir=tmp_path) as central:          # SQLite file in tmp_path, demo data
        requests.get(central.url + "/v1/health")
        central.stop()    # the terminal is now offline
        central.start()   # back, same port, same database

The service's stdout and stderr go to a log file in data_dir; when it does not become ready, the
error shows the end of that log.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .postgres import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 30.0


class CentralStartError(RuntimeError):
    """The central service exited or did not answer /v1/health in time."""


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def central_env(data_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a central subprocess: its own data folder, never the user's."""
    env = dict(os.environ)
    env["HDF_CENTRAL_DATA_DIR"] = str(data_dir)
    env["PYTHONUNBUFFERED"] = "1"
    # A fixture terminal looks up cards faster than a till: only the look-up limit's own tests
    # (which pass "", API.md's 60 a minute in bursts of 20) run with it.
    env["HDF_CENTRAL_LOOKUP_LIMIT"] = "600000/100000"
    env.update(extra or {})
    return env


def run_central_cli(
    args: Sequence[str], *, data_dir: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run one `python -m central ...` admin command (migrate, card add, ...) and return it."""
    return subprocess.run(
        [sys.executable, "-m", "central", *args],
        cwd=REPO_ROOT,
        env=central_env(data_dir),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class CentralProcess:
    """One central service subprocess; `stop()` and `start()` keep the port and the database."""

    def __init__(
        self,
        *,
        database_url: str,
        demo: bool,
        data_dir: Path,
        port: int | None = None,
        extra_args: Sequence[str] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        self.database_url = database_url
        self.demo = demo
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.extra_args = list(extra_args)
        self.extra_env = env or {}
        self.log_path = self.data_dir / f"central-{self.port}.log"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "central", "serve", "--host", "127.0.0.1"]
        cmd += ["--port", str(self.port), "--database", self.database_url]
        if self.demo:
            cmd.append("--demo")
        return cmd + self.extra_args

    def log_tail(self, chars: int = 6000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def start(self, timeout: float = READY_TIMEOUT_S) -> None:
        """Start the service and wait until GET /v1/health answers 200."""
        if self.running:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # the child keeps writing to it
        try:
            self._proc = subprocess.Popen(
                self.command(),
                cwd=REPO_ROOT,
                env=central_env(self.data_dir, self.extra_env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while True:
            code = self._proc.poll()
            if code is not None:
                self._proc = None
                raise CentralStartError(
                    f"central service exited with code {code} before it was ready "
                    f"({' '.join(self.command())}):\n{self.log_tail()}"
                )
            if self._healthy():
                return
            if time.monotonic() > deadline:
                self.stop()
                raise CentralStartError(
                    f"central service not ready after {timeout:.0f} s "
                    f"({' '.join(self.command())}):\n{self.log_tail()}"
                )
            time.sleep(0.05)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/v1/health", timeout=2) as resp:
                return bool(resp.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        """Stop the service (SIGTERM, then SIGKILL after 10 s); the port stays ours to restart."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()


@contextmanager
def start_central(
    *,
    database_url: str | None = None,
    demo: bool = True,
    data_dir: Path,
    extra_args: Sequence[str] = (),
    env: dict[str, str] | None = None,
) -> Iterator[CentralProcess]:
    """Run a central service for the duration of the block (SQLite in data_dir by default)."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    url = database_url or sqlite_url(data_dir / "central.db")
    # The free port may be taken by someone else before uvicorn binds it: try a few ports.
    last_error: CentralStartError | None = None
    for _ in range(3):
        central = CentralProcess(
            database_url=url, demo=demo, data_dir=data_dir, extra_args=extra_args, env=env
        )
        try:
            central.start()
        except CentralStartError as exc:
            if "address already in use" not in str(exc).lower():
                raise
            last_error = exc
            continue
        try:
            yield central
        finally:
            central.stop()
        return
    assert last_error is not None
    raise last_error
