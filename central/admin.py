"""Administration of the reference data (partners, cards, wallet types) and the DEMO.md data set."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select

from central import keyring
from central.clock import PARIS, business_day, now, school_year
from central.ledger import lock_card_events, new_transaction_number, set_card_status
from central.models import (
    card_events,
    cards,
    partners,
    transactions,
    vouchers,
    wallet_types,
    wallets,
)
from central.photos import portrait
from central.security import hash_password

WALLET_LABELS = {
    "MANUEQUIP": "Manuels et équipements",
    "PREMIEREQUIP": "Premier équipement",
}


@dataclass(frozen=True)
class WalletLoad:
    code: str
    loaded_cents: int
    valid_from: date
    valid_to: date


def add_wallet_type(conn: Connection, code: str, label: str) -> None:
    if conn.execute(select(wallet_types.c.code).where(wallet_types.c.code == code)).first():
        return
    conn.execute(insert(wallet_types).values(code=code, label=label))


def add_partner(
    conn: Connection,
    *,
    code: str,
    name: str,
    postal_code: str,
    city: str,
    password: str,
    wallet_codes: list[str],
    kind: str = "bookshop",
    accepts_prepayment: bool = False,
    accepts_online_payment: bool = False,
    max_payment_cents: int = 5000,
    max_card_total_cents: int = 10000,
    max_age_hours: int = 72,
) -> int:
    known = set(conn.execute(select(wallet_types.c.code)).scalars())
    unknown = [c for c in wallet_codes if c not in known]
    if unknown:
        raise ValueError(f"unknown wallet codes: {', '.join(unknown)} (add them first)")
    result = conn.execute(
        insert(partners).values(
            code=code,
            name=name,
            postal_code=postal_code,
            city=city,
            kind=kind,
            accepts_prepayment=accepts_prepayment,
            accepts_online_payment=accepts_online_payment,
            wallet_codes=",".join(wallet_codes),
            password_hash=hash_password(password),
            max_payment_cents=max_payment_cents,
            max_card_total_cents=max_card_total_cents,
            max_age_hours=max_age_hours,
            created_at=now(),
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def add_card(
    conn: Connection,
    *,
    card_number: str,
    dossier_number: str,
    first_name: str,
    last_name: str,
    password: str,
    loads: list[WalletLoad],
    status: str = "active",
    status_since: datetime | None = None,
    photo_jpeg: bytes | None = None,
) -> int:
    at = now()
    result = conn.execute(
        insert(cards).values(
            card_number=card_number,
            dossier_number=dossier_number,
            first_name=first_name,
            last_name=last_name,
            status=status,
            status_since=status_since or at,
            password_hash=hash_password(password),
            photo_jpeg=photo_jpeg or portrait(card_number, first_name, last_name),
            created_at=at,
        )
    )
    card_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    lock_card_events(conn)  # a card added blocked feeds the deny-list: keep ids in order
    conn.execute(
        insert(card_events).values(
            card_id=card_id, status=status, since=status_since or at, reason=None
        )
    )
    for load in loads:
        wallet = conn.execute(
            insert(wallets).values(
                card_id=card_id,
                wallet_code=load.code,
                balance_cents=load.loaded_cents,
                valid_from=load.valid_from,
                valid_to=load.valid_to,
            )
        )
        loaded_at = min(at, _start_of(load.valid_from))
        conn.execute(
            insert(transactions).values(
                id=str(uuid.uuid4()),
                number=new_transaction_number(),
                kind="load",
                status="completed",
                card_id=card_id,
                card_number=card_number,
                wallet_code=load.code,
                amount_cents=load.loaded_cents,
                delta_cents=load.loaded_cents,
                balance_after_cents=load.loaded_cents,
                occurred_at=loaded_at,
                recorded_at=at,
                partner_id=None,
                terminal_id=None,
                channel="extranet",
                offline=False,
            )
        )
        del wallet
    return card_id


def change_card_status(conn: Connection, card_number: str, status: str, reason: str | None) -> None:
    card_id = conn.execute(select(cards.c.id).where(cards.c.card_number == card_number)).scalar()
    if card_id is None:
        raise ValueError(f"no card {card_number}")
    set_card_status(conn, card_id, status, reason)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=PARIS).astimezone(UTC)


def is_empty(conn: Connection) -> bool:
    partners_n = conn.execute(select(func.count()).select_from(partners)).scalar_one()
    cards_n = conn.execute(select(func.count()).select_from(cards)).scalar_one()
    return partners_n == 0 and cards_n == 0


# ---- DEMO.md ------------------------------------------------------------------------------------

DEMO_PARTNERS: list[dict[str, Any]] = [
    {
        "code": "L212", "name": "LES PAGES", "postal_code": "80000", "city": "AMIENS",
        "kind": "bookshop", "accepts_prepayment": True, "accepts_online_payment": True,
        "wallet_codes": ["MANUEQUIP"], "password": "Demo-L212",
    },
    {
        "code": "E305", "name": "ATELIER PRO EQUIPEMENT", "postal_code": "59000", "city": "LILLE",
        "kind": "equipment", "accepts_prepayment": False, "accepts_online_payment": True,
        "wallet_codes": ["MANUEQUIP", "PREMIEREQUIP"], "password": "Demo-E305",
    },
    {
        "code": "L404", "name": "LIBRAIRIE DU BEFFROI", "postal_code": "62000", "city": "ARRAS",
        "kind": "bookshop", "accepts_prepayment": False, "accepts_online_payment": False,
        "wallet_codes": ["MANUEQUIP"], "password": "Demo-L404",
    },
]  # fmt: skip

DEMO_VOUCHER_TICKET = "898564564632"
DEMO_VOUCHER_TRANSACTION = "8985645"


def seed_demo(conn: Connection, *, at: datetime | None = None) -> None:
    """Seed DEMO.md, validity windows computed from the seeding day (Europe/Paris)."""
    at = at or now()
    for code, label in WALLET_LABELS.items():
        add_wallet_type(conn, code, label)
    ids = {}
    for p in DEMO_PARTNERS:
        ids[p["code"]] = add_partner(
            conn, max_payment_cents=5000, max_card_total_cents=10000, max_age_hours=72, **p
        )
    jean, stephane = _seed_demo_cards(conn, at)
    _seed_demo_orders(conn, at, jean=jean, stephane=stephane, l212=ids["L212"])
    keyring.ensure_key(conn)


def _seed_demo_cards(conn: Connection, at: datetime) -> tuple[int, int]:
    """DEMO.md's five cards; returns the ids of Jean's and Stéphane's, which the orders use."""
    day = business_day(at)
    year_from, year_to = school_year(day)
    last_from, last_to = school_year(year_from - timedelta(days=1))
    month_start = day.replace(day=1)
    months = month_start.month - 1 + 6
    six_months_to = date(month_start.year + months // 12, months % 12 + 1, 1) - timedelta(days=1)

    def card(number: str, dossier: str, first: str, last: str, loads: list[WalletLoad], **kw: Any):
        return add_card(
            conn, card_number=number, dossier_number=dossier, first_name=first, last_name=last,
            password=f"Demo-{dossier}", loads=loads, **kw,
        )  # fmt: skip

    jean = card("23166621", "3116960", "Jean", "MARTIN",
                [WalletLoad("MANUEQUIP", 20000, year_from, year_to)])  # fmt: skip
    stephane = card("23166622", "3116961", "Stéphane", "MARTIN", [
        WalletLoad("MANUEQUIP", 15000, month_start, six_months_to),
        WalletLoad("PREMIEREQUIP", 30000, year_from, year_to),
    ])  # fmt: skip
    ines = card("23166623", "3116962", "Inès", "DUBOIS",
         [WalletLoad("MANUEQUIP", 20000, year_from, year_to)],
         status="active", status_since=at - timedelta(days=30))  # fmt: skip
    change_card_status(conn, "23166623", "blocked", "stolen")
    # The block is dated a week back, so an offline payment of the last days is refused at sync.
    blocked_since = at - timedelta(days=7)
    conn.execute(
        cards.update().where(cards.c.card_number == "23166623").values(status_since=blocked_since)
    )
    conn.execute(
        card_events.update()
        .where(card_events.c.card_id == ines, card_events.c.status == "blocked")
        .values(since=blocked_since)
    )
    card("23166624", "3116963", "Lucas", "LEROY",
         [WalletLoad("MANUEQUIP", 5000, last_from, last_to)],
         status="expired", status_since=_start_of(year_from))  # fmt: skip
    card("23166625", "3116964", "Emma", "PETIT",
         [WalletLoad("MANUEQUIP", 0, year_from, year_to)])  # fmt: skip
    return jean, stephane


def _seed_demo_orders(
    conn: Connection, at: datetime, *, jean: int, stephane: int, l212: int
) -> None:
    """DEMO.md's pending voucher and today's online payment, both at L212."""
    day = business_day(at)
    # The pending voucher, created yesterday at L212 (120,00 € set aside from Jean's wallet).
    created = datetime.combine(day - timedelta(days=1), time(15, 42), tzinfo=PARIS).astimezone(UTC)
    jean_wallet = _wallet(conn, jean, "MANUEQUIP")
    prepayment_id = str(uuid.uuid4())
    _debit_row(conn, jean_wallet, 12000)
    conn.execute(
        insert(transactions).values(
            id=prepayment_id, number=DEMO_VOUCHER_TRANSACTION, kind="prepayment",
            status="completed", card_id=jean, card_number="23166621", wallet_code="MANUEQUIP",
            amount_cents=12000, delta_cents=-12000, balance_after_cents=8000,
            occurred_at=created, recorded_at=created, partner_id=l212, channel="extranet",
            offline=False, voucher_ticket=DEMO_VOUCHER_TICKET,
        )
    )  # fmt: skip
    conn.execute(
        insert(vouchers).values(
            ticket_number=DEMO_VOUCHER_TICKET, transaction_number=DEMO_VOUCHER_TRANSACTION,
            prepayment_id=prepayment_id, partner_id=l212, card_id=jean,
            wallet_id=jean_wallet, wallet_code="MANUEQUIP", amount_cents=12000,
            status="pending", created_at=created,
        )
    )  # fmt: skip

    # Today's online payment ("Extranet bénéficiaire"): Stéphane pays 35,00 € to L212.
    paid = at - timedelta(hours=1)
    if business_day(paid) != day:
        paid = at
    stephane_wallet = _wallet(conn, stephane, "MANUEQUIP")
    _debit_row(conn, stephane_wallet, 3500)
    conn.execute(
        insert(transactions).values(
            id=str(uuid.uuid4()), number=new_transaction_number(), kind="online_payment",
            status="completed", card_id=stephane, card_number="23166622",
            wallet_code="MANUEQUIP", amount_cents=3500, delta_cents=-3500,
            balance_after_cents=11500, occurred_at=paid, recorded_at=paid,
            partner_id=l212, terminal_id=None, channel="extranet", offline=False,
        )
    )  # fmt: skip


def _wallet(conn: Connection, card_id: int, code: str) -> int:
    return int(
        conn.execute(
            select(wallets.c.id).where(wallets.c.card_id == card_id, wallets.c.wallet_code == code)
        ).scalar_one()
    )


def _debit_row(conn: Connection, wallet_id: int, amount: int) -> None:
    conn.execute(
        wallets.update()
        .where(wallets.c.id == wallet_id)
        .values(balance_cents=wallets.c.balance_cents - amount)
    )
