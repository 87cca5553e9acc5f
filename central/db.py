"""Database engine and transactions: one place that knows SQLite and PostgreSQL apart.

Writes on SQLite start with BEGIN IMMEDIATE (taking the write lock at once avoids the "database is
locked" upgrade failure of deferred transactions) and, within one process, are serialised by a
lock so threads queue in Python instead of polling the busy handler. On PostgreSQL money updates
are conditional UPDATEs, safe at READ COMMITTED.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

APP_NAME = "hdf-central"


def data_dir() -> Path:
    """The folder of the default SQLite database: HDF_CENTRAL_DATA_DIR or the user data folder."""
    override = os.environ.get("HDF_CENTRAL_DATA_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_database_url() -> str:
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'central.db'}"


def normalize_url(url: str | None) -> str:
    """Map `postgresql://` (and `postgres://`) to the psycopg 3 driver; default to SQLite."""
    if not url:
        url = os.environ.get("HDF_CENTRAL_DATABASE_URL") or default_database_url()
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def private_sqlite_files(database: str | None) -> None:
    """Make the SQLite database readable by the service's user alone (0600) before SQLite opens
    it: SQLite gives its -wal and -shm files the database file's mode. Files an older version
    made readable by others are narrowed too."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            try:
                if name.stat().st_mode & 0o077:
                    name.chmod(0o600)
            except (FileNotFoundError, PermissionError):
                pass  # gone since, or another user's file: SQLite will say what it can


class Database:
    """The engine plus the knowledge of how to open a read or a write transaction on it."""

    def __init__(self, url: str | None = None, *, pool_size: int = 10, max_overflow: int = 20):
        self.url = normalize_url(url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.is_postgres = parsed.get_backend_name() == "postgresql"
        self._write_lock = threading.Lock()
        if self.is_sqlite:
            private_sqlite_files(parsed.database)
            self.engine: Engine = create_engine(
                self.url,
                connect_args={"check_same_thread": False, "timeout": 30},
                pool_size=pool_size,
                max_overflow=max_overflow,
            )
            self._install_sqlite_hooks(self.engine)
        else:
            self.engine = create_engine(
                self.url,
                pool_size=pool_size,
                max_overflow=max_overflow,
                pool_pre_ping=False,
                pool_recycle=1800,
            )

    @staticmethod
    def _install_sqlite_hooks(engine: Engine) -> None:
        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is unreliable).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            if conn.get_execution_options().get("hdf_write"):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql("BEGIN")

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads: autocommit on PostgreSQL, a rolled-back transaction on SQLite.

        Under READ COMMITTED every statement takes its own snapshot anyway, so BEGIN and ROLLBACK
        would be two round trips bought for nothing.
        """
        with self.engine.connect() as conn:
            if self.is_postgres:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            try:
                yield conn
            finally:
                if self.is_sqlite:
                    conn.rollback()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: committed if the block ends normally, rolled back otherwise."""
        if self.is_sqlite:
            with self._write_lock, self.engine.connect() as conn:
                conn = conn.execution_options(hdf_write=True)
                with conn.begin():
                    yield conn
        else:
            with self.engine.connect() as conn, conn.begin():
                yield conn.execution_options(hdf_write=True)  # tells a write from a read

    def dispose(self) -> None:
        self.engine.dispose()


def single_use_engine(url: str) -> Engine:
    """An engine without a pool, for one-off admin commands and migrations."""
    url = normalize_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        private_sqlite_files(make_url(url).database)
        engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30})
        Database._install_sqlite_hooks(engine)
        return engine
    return create_engine(url, poolclass=NullPool)
