"""A throw-away PostgreSQL cluster in a temp folder on a free port, for tests and benchmarks.

`initdb --auth=trust` then `pg_ctl start` on 127.0.0.1 (socket in the temp folder too); as root the
server must not run as root, so both run as the `postgres` user through `runuser`, with the folders
chowned to it. Each test that needs a clean slate asks `create_database()` for a new database: that
takes a few milliseconds, far less than a new cluster.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SUPERUSER = "postgres"


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries (initdb, pg_ctl) are not installed."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the caller retries if someone takes it first)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def find_bindir() -> Path:
    """The folder holding initdb and pg_ctl: on PATH first, else the newest Debian install."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(os.path.realpath(on_path)).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in Path(p).parts[-3].split(".")],
    )
    if candidates:
        return Path(candidates[-1]).parent
    raise PostgresUnavailable(
        "PostgreSQL server binaries not found (initdb, pg_ctl): "
        "apt-get install --no-install-recommends postgresql"
    )


def _as_server_user() -> list[str]:
    # PostgreSQL refuses to run as root; other users run it as themselves.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"]
    return []


class PostgresCluster:
    """A running throw-away cluster; `url(db)` gives the SQLAlchemy/psycopg URL of one database."""

    def __init__(self, root: Path, bindir: Path, port: int) -> None:
        self.root = root
        self.bindir = bindir
        self.port = port
        self.datadir = root / "data"
        self.sockdir = root / "sock"
        self.logfile = root / "server.log"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, prefix: str = "t") -> str:
        """Create a new empty database and return its URL."""
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*_as_server_user(), *args],
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )

    def start(self, *, fast_unsafe: bool = True, max_connections: int = 200) -> None:
        """Start the server; fast_unsafe: no fsync (a test cluster need not survive a crash)."""
        options = [
            f"-p {self.port}",
            f"-k {self.sockdir}",
            "-c listen_addresses=127.0.0.1",
            f"-c max_connections={max_connections}",
        ]
        if fast_unsafe:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        result = self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.datadir),
            "-l",
            str(self.logfile),
            "-o",
            " ".join(options),
            "-w",
            "-t",
            "60",
            "start",
            check=False,
        )
        if result.returncode != 0:
            log = self.logfile.read_text(errors="replace") if self.logfile.exists() else ""
            raise RuntimeError(
                f"pg_ctl start failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}\n{log}"
            )

    def stop(self) -> None:
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "stop", check=False
        )


@contextmanager
def postgres_cluster(*, fast_unsafe: bool = True) -> Iterator[PostgresCluster]:
    """Start a fresh cluster in a temp folder; stop it and delete everything on exit."""
    bindir = find_bindir()
    # Not under pytest's tmp_path: its parents are mode 0700, out of reach of the postgres user.
    root = Path(tempfile.mkdtemp(prefix="hdf-pg-"))
    try:
        (root / "sock").mkdir()
        if os.geteuid() == 0:
            os.chmod(root, 0o755)
            for path in (root, root / "sock"):
                shutil.chown(path, user="postgres", group="postgres")
        cluster = PostgresCluster(root, bindir, free_port())
        init = cluster._run(
            str(bindir / "initdb"),
            "-D",
            str(cluster.datadir),
            "--auth=trust",
            f"--username={SUPERUSER}",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
            check=False,
        )
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{init.stdout}\n{init.stderr}")
        # Another process may grab the port between free_port() and the server's bind: retry.
        for attempt in range(3):
            try:
                cluster.start(fast_unsafe=fast_unsafe)
                break
            except RuntimeError:
                if attempt == 2:
                    raise
                cluster.port = free_port()
        try:
            yield cluster
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
