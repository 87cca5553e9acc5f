"""What every money operation shares: who asks (the callers), when it is judged, the ledger row.

A ledger row is written once, by `insert_transaction`, and answered from the values written
(`transaction_body`) without reading it back. A QR token is checked by `verify_token`, which turns
the token format's errors into API.md's refusals.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from central.clock import business_day, fmt_instant
from central.errors import ApiError
from central.keyring import KeyRing
from central.models import transactions
from hdf_common import qrtoken

PARTNER_KINDS = ("counter_payment", "voucher_redemption", "online_payment", "cancellation")
EXTRANET_LABEL = "Extranet bénéficiaire"


@dataclass(frozen=True)
class Partner:
    id: int
    code: str
    name: str
    city: str
    postal_code: str
    accepts_prepayment: bool
    accepts_online_payment: bool
    wallet_codes: tuple[str, ...]
    max_payment_cents: int
    max_card_total_cents: int
    max_age_hours: int

    @classmethod
    def from_row(cls, row: Any) -> Partner:
        return cls(
            id=row.id,
            code=row.code,
            name=row.name,
            city=row.city,
            postal_code=row.postal_code,
            accepts_prepayment=bool(row.accepts_prepayment),
            accepts_online_payment=bool(row.accepts_online_payment),
            wallet_codes=tuple(c for c in row.wallet_codes.split(",") if c),
            max_payment_cents=row.max_payment_cents,
            max_card_total_cents=row.max_card_total_cents,
            max_age_hours=row.max_age_hours,
        )

    def profile(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "city": self.city,
            "postal_code": self.postal_code,
            "accepts_prepayment": self.accepts_prepayment,
            "accepts_online_payment": self.accepts_online_payment,
            "wallet_codes": list(self.wallet_codes),
            "offline_policy": {
                "max_payment_cents": self.max_payment_cents,
                "max_card_total_cents": self.max_card_total_cents,
                "max_age_hours": self.max_age_hours,
            },
        }


@dataclass(frozen=True)
class TerminalCaller:
    terminal_id: str
    label: str
    partner: Partner


@dataclass(frozen=True)
class BeneficiaryCaller:
    card_id: int
    card_number: str


@dataclass(frozen=True)
class Judged:
    """When an operation is judged: now for a live call; for a sync item, `at` is the instant its
    card status, wallet validity and QR token are judged at (its occurred_at, or its arrival for
    a replay without a token) and `occurred_at` the instant its row keeps. `offline` marks an
    offline operation (proven by a QR, caps re-checked, the row marked `offline: true`); a replay
    of a lost online answer is not one."""

    at: datetime
    offline: bool = False
    occurred_at: datetime | None = None

    @property
    def synced(self) -> bool:
        """Came through /v1/sync (judged at a past instant, perhaps)."""
        return self.occurred_at is not None

    @property
    def day(self) -> date:
        return business_day(self.at)


def new_transaction_number() -> str:
    return str(1_000_000 + secrets.randbelow(9_000_000))


def new_ticket_number() -> str:
    return str(100_000_000_000 + secrets.randbelow(900_000_000_000))


def transaction_body(row: Any, partner_code: str | None) -> dict[str, Any]:
    return {
        "transaction_id": row.id,
        "transaction_number": row.number,
        "kind": row.kind,
        "status": row.status,
        "card_number": row.card_number,
        "wallet_code": row.wallet_code,
        "amount_cents": row.amount_cents,
        "balance_after_cents": row.balance_after_cents,
        "occurred_at": fmt_instant(row.occurred_at),
        "recorded_at": fmt_instant(row.recorded_at),
        "partner_code": partner_code,
        "terminal_id": row.terminal_id,
        "channel": row.channel,
        "cancels": row.cancels,
        "offline": bool(row.offline),
        "reference": row.reference,
        "reason": row.reason,
    }


class TxnValues:
    """The values of a new ledger row, returned as a body without reading the row back."""

    id: str
    number: str
    occurred_at: datetime

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


_INSERT_TRANSACTION = insert(transactions)
# A random 7-digit number (9 million of them) already taken by the partner is drawn again, not a
# 500: numbers are unique per partner, and a big partner holds hundreds of thousands of rows (at
# 1 million of its rows, a draw collides one time in nine).
_INSERT_NEW_NUMBER = {
    name: insert_of(transactions)
    .on_conflict_do_nothing(index_elements=["partner_id", "number"])
    .returning(transactions.c.id)  # a row back: inserted (rowcount is -1 with psycopg)
    for name, insert_of in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
NUMBER_DRAWS = 50


def insert_transaction(conn: Connection, **values: Any) -> TxnValues:
    values.setdefault("id", str(uuid.uuid4()))
    values.setdefault("status", "completed")
    values.setdefault("offline", False)
    values.setdefault("cancels", None)
    values.setdefault("reference", None)
    values.setdefault("reason", None)
    values.setdefault("terminal_id", None)
    values.setdefault("voucher_ticket", None)
    if "number" in values:
        conn.execute(_INSERT_TRANSACTION, values)
        return TxnValues(**values)
    statement = _INSERT_NEW_NUMBER.get(conn.dialect.name)
    for _ in range(NUMBER_DRAWS):
        values["number"] = new_transaction_number()
        if statement is None:
            conn.execute(_INSERT_TRANSACTION, values)
            return TxnValues(**values)
        if conn.execute(statement, values).first() is not None:
            return TxnValues(**values)
    raise RuntimeError(f"no free transaction number in {NUMBER_DRAWS} draws")


def insert_counter_transaction(
    conn: Connection, caller: TerminalCaller, judged: Judged, recorded: datetime, **values: Any
) -> TxnValues:
    """A ledger row made at this terminal's counter, recorded now: it occurred then too when
    online, at the item's occurred_at when it comes through /v1/sync."""
    return insert_transaction(
        conn,
        occurred_at=judged.occurred_at or recorded,
        recorded_at=recorded,
        partner_id=caller.partner.id,
        terminal_id=caller.terminal_id,
        channel="counter",
        offline=judged.offline,
        **values,
    )


def strip_prefix(token: str, prefix: str) -> str:
    return token[len(prefix) :] if token.startswith(prefix) else token


def verify_token(keys: KeyRing, token: str, *, at: datetime, require_exp: bool) -> dict[str, Any]:
    try:
        return keys.verify(token, at=at.timestamp(), require_exp=require_exp)
    except qrtoken.TokenExpired as exc:
        raise ApiError(
            422, "token_expired", "Le QR code a expiré : demandez-en un nouveau."
        ) from exc
    except qrtoken.TokenError as exc:
        raise ApiError(422, "token_invalid", f"QR code refusé : {exc}.") from exc
