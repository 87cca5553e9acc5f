"""The central service's tables (SQLAlchemy Core), the single source the Alembic migrations follow.

Core rather than ORM on purpose: the payment path is a handful of explicit statements, cheap to
run and easy to read, and the same code runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored as naive UTC on both databases, handed back as an aware UTC datetime."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # defensive: raw SQLite text
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)


wallet_types = Table(
    "wallet_types",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("label", String(120), nullable=False),
)

partners = Table(
    "partners",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("postal_code", String(10), nullable=False),
    Column("city", String(120), nullable=False),
    Column("kind", String(32), nullable=False, server_default="bookshop"),
    Column("accepts_prepayment", Boolean, nullable=False, server_default="0"),
    Column("accepts_online_payment", Boolean, nullable=False, server_default="0"),
    # Comma-separated wallet codes: read with every authenticated request, so no join.
    Column("wallet_codes", String(400), nullable=False, server_default=""),
    Column("password_hash", String(200), nullable=False),
    Column("max_payment_cents", Integer, nullable=False, server_default="5000"),
    Column("max_card_total_cents", Integer, nullable=False, server_default="10000"),
    Column("max_age_hours", Integer, nullable=False, server_default="72"),
    Column("created_at", UTCDateTime, nullable=False),
)

terminals = Table(
    "terminals",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("partner_id", Integer, ForeignKey("partners.id"), nullable=False, index=True),
    Column("label", String(120), nullable=False),
    # SHA-256 of the random bearer token: a stolen database does not yield usable tokens.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    # Token life cycle (API.md 1.1): the last use, kept to the minute (not a write a request); a
    # token unused for 30 days stops working. After a rotation, the token that asked for it
    # keeps working until `previous_valid_until` or until the new token is first used.
    Column("last_used_at", UTCDateTime, nullable=True),
    Column("previous_token_hash", String(64), nullable=True, index=True),
    Column("previous_valid_until", UTCDateTime, nullable=True),
)

cards = Table(
    "cards",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("card_number", String(8), nullable=False, unique=True),
    Column("dossier_number", String(16), nullable=False, unique=True),
    Column("first_name", String(120), nullable=False),
    Column("last_name", String(120), nullable=False),
    Column("status", String(16), nullable=False),
    Column("status_since", UTCDateTime, nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("photo_jpeg", LargeBinary, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

# Every status change of a card, in order; blocked/replaced rows are the deny-list, and the id is
# its incremental cursor. Also answers "what was the card's status at occurred_at" for sync.
card_events = Table(
    "card_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("card_id", Integer, ForeignKey("cards.id"), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("since", UTCDateTime, nullable=False),
    Column("reason", String(32), nullable=True),
)

card_reports = Table(
    "card_reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("card_id", Integer, ForeignKey("cards.id"), nullable=False, index=True),
    Column("reason", String(16), nullable=False),
    Column("reported_at", UTCDateTime, nullable=False),
)

wallets = Table(
    "wallets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("card_id", Integer, ForeignKey("cards.id"), nullable=False),
    Column("wallet_code", String(32), ForeignKey("wallet_types.code"), nullable=False),
    Column("balance_cents", BigInteger, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    UniqueConstraint("card_id", "wallet_code", name="uq_wallets_card_wallet"),
)

# The ledger: every movement of a wallet and every partner-visible transaction. Partner lists show
# the kinds of API.md; the internal kinds (prepayment, prepayment_cancellation, voucher_expiry,
# load) keep the wallet's history complete.
transactions = Table(
    "transactions",
    metadata,
    Column("id", String(36), primary_key=True),
    # 7 digits, unique per partner (not globally: 9 million numbers cannot number the region's
    # 10 million rows). A row of no partner (a load) is numbered outside any partner's series.
    Column("number", String(7), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("card_id", Integer, ForeignKey("cards.id"), nullable=False, index=True),
    Column("card_number", String(8), nullable=False),
    Column("wallet_code", String(32), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    # Signed change of the wallet balance (0 for a voucher redemption: paid at prepayment).
    Column("delta_cents", BigInteger, nullable=False),
    Column("balance_after_cents", BigInteger, nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("partner_id", Integer, ForeignKey("partners.id"), nullable=True),
    Column("terminal_id", String(36), nullable=True),
    Column("channel", String(16), nullable=False),
    Column("cancels", String(36), nullable=True),
    Column("offline", Boolean, nullable=False, server_default="0"),
    Column("reference", String(200), nullable=True),
    Column("reason", String(500), nullable=True),
    Column("voucher_ticket", String(12), nullable=True),
    Index("ix_transactions_partner_occurred", "partner_id", "occurred_at", "id"),
    UniqueConstraint("partner_id", "number", name="uq_transactions_partner_number"),
)

vouchers = Table(
    "vouchers",
    metadata,
    Column("ticket_number", String(12), primary_key=True),
    Column("transaction_number", String(7), nullable=False),
    Column("prepayment_id", String(36), nullable=False),
    Column("partner_id", Integer, ForeignKey("partners.id"), nullable=False),
    Column("card_id", Integer, ForeignKey("cards.id"), nullable=False, index=True),
    Column("wallet_id", Integer, ForeignKey("wallets.id"), nullable=False),
    Column("wallet_code", String(32), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("redeemed_at", UTCDateTime, nullable=True),
    Column("redemption_id", String(36), nullable=True),
    Column("closed_at", UTCDateTime, nullable=True),
    Index("ix_vouchers_status", "status"),
)

# Idempotency keys: scope is "p:<partner id>" for terminals (shared by single calls and /v1/sync)
# or "c:<card id>" for the beneficiary. The stored response is replayed byte for byte.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(24), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response_body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False, index=True),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("private_pem", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("retired_at", UTCDateTime, nullable=True),
)

beneficiary_sessions = Table(
    "beneficiary_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("card_id", Integer, ForeignKey("cards.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

# Rate limits (central.limits), shared by all workers and hosts through the database: a login
# counter per identifier and per client address (`amount` failures in the window opened at
# `since`), a token bucket per terminal for look-ups (`amount` tokens left at `since`). Instants
# are epoch seconds, so one atomic UPDATE can do the arithmetic on SQLite and PostgreSQL alike.
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("subject", String(200), primary_key=True),
    Column("amount", Double, nullable=False),
    Column("since", Double, nullable=False),
)

# The terminals' journal heads (API.md 1.1, "the journal has a witness"): every distinct head a
# terminal sent, kept for ever, so `hdf-pos journal verify` can check its chain passes through
# each of them. One row a (terminal, seq); a head is never updated.
journal_heads = Table(
    "journal_heads",
    metadata,
    Column("terminal_id", String(36), ForeignKey("terminals.id"), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("hash", String(64), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
)

# Heads refused with 409 journal_conflict: what the administrator is shown (`central.journal`).
journal_conflicts = Table(
    "journal_conflicts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("terminal_id", String(36), ForeignKey("terminals.id"), nullable=False, index=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("recorded_seq", BigInteger, nullable=False),
    Column("recorded_hash", String(64), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
)

# Each terminal's Ed25519 public key for its signed journal archives (issue 14), registered once.
terminal_archive_keys = Table(
    "terminal_archive_keys",
    metadata,
    Column("terminal_id", String(36), ForeignKey("terminals.id"), primary_key=True),
    Column("public_key", String(64), nullable=False),
    Column("registered_at", UTCDateTime, nullable=False),
)
