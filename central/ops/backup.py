"""`hdf-central backup --to FILE` and `hdf-central restore --from FILE [--force]`.

SQLite: the online backup API (a consistent copy while the service keeps writing), restored the
same way into the target file. PostgreSQL: `pg_dump --format=custom`, restored by `pg_restore`
(`--clean --if-exists` when forced) in one transaction, so a failed restore changes nothing.
A restore refuses a database that holds partners or cards unless forced, refuses a file that is
not a backup of the same kind of database, then migrates the restored schema to this version.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from central.db import normalize_url, single_use_engine

PG_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"
REQUIRED_TABLES = {"partners", "cards", "wallets", "transactions", "alembic_version"}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why (nothing was changed)."""


def backup(url: str | None, target: Path) -> str:
    """Write a backup of the database at `url` to `target` (atomically); returns a summary."""
    url = normalize_url(url)
    target = Path(target)
    partial = target.with_name(target.name + ".partial")
    try:
        if _is_sqlite(url):
            _sqlite_backup(_sqlite_path(url), partial)
        else:
            _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial),
                  "--dbname", _libpq_url(url)])  # fmt: skip
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return f"sauvegarde écrite : {target} ({target.stat().st_size} octets)"


def restore(url: str | None, source: Path, *, force: bool = False) -> str:
    """Replace the database at `url` by the backup `source`; returns a summary."""
    from central import migrate

    url = normalize_url(url)
    source = Path(source)
    try:
        head = source.open("rb").read(16)
    except OSError as exc:
        raise BackupError(f"fichier illisible : {source} ({exc.strerror})") from exc
    sqlite = _is_sqlite(url)
    expected = SQLITE_MAGIC if sqlite else PG_MAGIC
    if not head.startswith(expected):
        kind = "SQLite" if sqlite else "pg_dump (format custom)"
        raise BackupError(f"{source} n'est pas une sauvegarde {kind} de hdf-central")
    if holds_data(url) and not force:
        raise BackupError("la base contient des données : relancer avec --force pour la remplacer")
    if sqlite:
        _sqlite_restore(source, _sqlite_path(url))
    else:
        _pg_restore(url, source, clean=holds_tables(url))
    migrate.upgrade(url)
    return f"base restaurée depuis {source}"


def holds_tables(url: str) -> bool:
    engine = single_use_engine(url)
    try:
        with engine.connect() as conn:
            return bool(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def holds_data(url: str) -> bool:
    """True when the database has partners or cards (a missing schema holds nothing)."""
    from central import admin

    if _is_sqlite(url) and not _sqlite_path(url).exists():
        return False
    engine = single_use_engine(url)
    try:
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
            if not {"partners", "cards"} <= names:
                return False
            return not admin.is_empty(conn)
    finally:
        engine.dispose()


# ---- SQLite -------------------------------------------------------------------------------------


def _is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("base SQLite en mémoire : rien à sauvegarder ni à restaurer")
    return Path(database)


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.exists():
        raise BackupError(f"base introuvable : {source}")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # pages copied under a read lock: writers wait a moment, never fail
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()


def _sqlite_restore(source: Path, target: Path) -> None:
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            tables = {
                r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            check = src.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            src.close()
            raise BackupError(f"{source} n'est pas une base SQLite lisible ({exc})") from exc
    except sqlite3.Error as exc:
        raise BackupError(f"{source} ne s'ouvre pas ({exc})") from exc
    try:
        if check != "ok" or not REQUIRED_TABLES <= tables:
            raise BackupError(f"{source} n'est pas une sauvegarde complète de hdf-central")
        target.parent.mkdir(parents=True, exist_ok=True)
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)  # replaces every page of the target in one write transaction
        finally:
            dst.close()
    finally:
        src.close()


# ---- PostgreSQL ---------------------------------------------------------------------------------


def _libpq_url(url: str) -> str:
    """The URL as libpq (pg_dump, pg_restore) reads it: no SQLAlchemy driver suffix."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    """The newest pg_dump / pg_restore: a Debian versioned folder first, then PATH."""
    versioned = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in Path(p).parts[-3].split(".")],
    )
    for candidate in [*reversed(versioned), f"/usr/local/bin/{name}", shutil.which(name)]:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise BackupError(f"{name} introuvable : installer le client PostgreSQL (postgresql-client)")


def _pg_restore(url: str, source: Path, *, clean: bool) -> None:
    args = [_pg_tool("pg_restore"), "--no-owner", "--single-transaction", "--exit-on-error"]
    if clean:
        args += ["--clean", "--if-exists"]
    _run([*args, "--dbname", _libpq_url(url), str(source)])


def _run(args: list[str]) -> None:
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        tool = Path(args[0]).name
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{tool} a échoué : {detail[-1] if detail else result.returncode}")


# ---- the commands -------------------------------------------------------------------------------


def cmd_backup(args: argparse.Namespace) -> int:
    return _report(lambda: backup(args.database, Path(args.to)))


def cmd_restore(args: argparse.Namespace) -> int:
    return _report(lambda: restore(args.database, Path(args.source), force=args.force))


def _report(action: Callable[[], str]) -> int:
    try:
        print(action())
    except BackupError as exc:
        print(f"refusé : {exc}", file=sys.stderr)
        return 1
    return 0
