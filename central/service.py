"""What the routes share, built once per process: the database, the signing keys, the wallet
codes, authentication of the two kinds of callers, and the minute's upkeep (`Service`)."""

from __future__ import annotations

import os

from sqlalchemy import Connection, delete, select
from sqlalchemy.engine import make_url

from central import idempotency, ledger, limits, tokens
from central.clock import now, today
from central.db import Database, normalize_url
from central.errors import unauthorized
from central.keyring import KeyRing
from central.ledger import BeneficiaryCaller, Partner, TerminalCaller
from central.models import beneficiary_sessions, cards
from central.security import token_hash


def database_threads(explicit: str | None, *, workers: int, postgres: bool) -> int:
    """Threads per process that run database work (`serve --threads`, else a measured default).

    PostgreSQL: 6. A request's database work is a few short round trips on one GIL; more threads
    only queue behind each other. bench/central_load.py, 2 workers, 50 terminals paced at
    300 payments/s: p99 39-56 ms with 6 threads against 81-120 ms with 32 (three runs each);
    unpaced 650/s p99 104 ms against 636/s p99 173 ms; one shared card 538/s p99 133 ms against
    394/s p99 625 ms. SQLite: writes wait for one lock, and reads must not queue behind them, so
    more threads (look-up p99 57 ms with 32 against 272 ms with 6).
    """
    if explicit:
        return max(1, min(64, int(explicit)))
    if postgres:
        return 6
    return max(8, min(40, 64 // max(1, workers)))


class Service:
    """What the routes share: the database, the signing keys, the wallet codes."""

    def __init__(self, database_url: str | None) -> None:
        workers = int(os.environ.get("HDF_CENTRAL_WORKERS", "1") or 1)
        postgres = make_url(normalize_url(database_url)).get_backend_name() == "postgresql"
        self.threads = database_threads(
            os.environ.get("HDF_CENTRAL_THREADS"), workers=workers, postgres=postgres
        )
        # One pooled connection per worker thread (the threads are what touch the database), so
        # a busy service never opens and closes connections request after request; a little
        # overflow for the rare nested use. Stays under PostgreSQL's 100 connections.
        self.db = Database(database_url, pool_size=self.threads, max_overflow=8)
        self.keys = KeyRing(self.db.engine)
        self.types = ledger.WalletTypes()

    # ---- authentication ----

    def terminal(self, authorization: str | None) -> TerminalCaller:
        _bearer(authorization)  # no database trip for an absent or malformed header
        with self.db.read() as conn:
            caller, use = self._authenticate(conn, authorization)
        if use is not None:
            with self.db.write() as conn:
                tokens.record(conn, use)
        return caller

    def terminal_on(self, conn: Connection, authorization: str | None) -> TerminalCaller:
        """Authenticate on a connection the caller already holds (one trip fewer per request).
        A use to record (once a minute) goes into the caller's write transaction, or into a
        write of its own beside a read (never a second write: SQLite has one write lock)."""
        caller, use = self._authenticate(conn, authorization)
        if use is not None:
            if conn.get_execution_options().get("hdf_write"):
                tokens.record(conn, use)
            else:
                with self.db.write() as writer:
                    tokens.record(writer, use)
        return caller

    def _authenticate(
        self, conn: Connection, authorization: str | None
    ) -> tuple[TerminalCaller, tokens.Use | None]:
        presented = token_hash(_bearer(authorization))
        row = conn.execute(tokens.TERMINAL_BY_TOKEN, {"token_hash": presented}).first()
        if row is None:
            raise unauthorized()
        use = tokens.judge(row, presented, now())
        return TerminalCaller(row.terminal_id, row.label, Partner.from_row(row)), use

    @staticmethod
    def presented_token(authorization: str | None) -> str:
        """The hash of the bearer token of this request (already authenticated)."""
        return token_hash(_bearer(authorization))

    def beneficiary(self, authorization: str | None) -> BeneficiaryCaller:
        token = _bearer(authorization)
        with self.db.read() as conn:
            row = conn.execute(
                select(cards.c.id, cards.c.card_number)
                .select_from(
                    beneficiary_sessions.join(cards, cards.c.id == beneficiary_sessions.c.card_id)
                )
                .where(
                    beneficiary_sessions.c.token_hash == token_hash(token),
                    beneficiary_sessions.c.expires_at > now(),
                )
            ).first()
        if row is None:
            raise unauthorized("Session bénéficiaire absente ou expirée.")
        return BeneficiaryCaller(row.id, row.card_number)

    # ---- background upkeep ----

    def sweep(self) -> None:
        """Expire due vouchers (money back to the wallet), forget old keys and sessions."""
        with self.db.write() as conn:
            ledger.expire_vouchers(conn, day=today())
            idempotency.purge(conn)
            limits.purge(conn)
            conn.execute(
                delete(beneficiary_sessions).where(beneficiary_sessions.c.expires_at < now())
            )


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise unauthorized()
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 512:
        raise unauthorized()
    return token
