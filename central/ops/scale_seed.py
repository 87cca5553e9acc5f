"""`hdf-central seed --scale`: a region-sized, realistic and deterministic data set, loaded fast.

Shape (defaults: the region): 350,000 cards, 1,500 partners with 3,000 terminals, 10 million
ledger rows over 730 days. Every card holds a MANUEQUIP wallet (a third also PREMIEREQUIP) valid
for one school year (1 July → 30 June): the school years the period covers share the cards by
their weight of activity; cards of past years are `expired`, a share of this year's `blocked` or
`replaced` (their activity stops at that moment; they feed the deny-list). A card's rows run in
time order with their running balance: counter payments (8 % of them made offline and synced
later), online payments, cancellations of a payment, prepayments whose vouchers end up pending,
redeemed, cancelled or expired. Days are weighted: Sunday almost nothing, Saturday busy, the
back-to-school weeks (late August, September) several times an ordinary week. Partners are
weighted too (a few big bookshops, many small ones).

Deterministic: the same `--random-seed`, sizes and business day give the same rows (ids, numbers,
instants and password hashes included: their salts come from the same generator). Every partner's
password is `Scale-<code>` (SCALE_PASSWORD_RULE); every card's beneficiary password is
CARD_PASSWORD.

Loading: PostgreSQL `COPY` (psycopg), batched `executemany` on SQLite; indexes are kept (the
service's own), sequences moved past the ids written. It refuses a database holding partners or
cards unless `force`, which first empties every data table (signing keys are kept).
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import itertools
import random
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from argon2.low_level import Type, hash_secret
from sqlalchemy import Connection, Table, delete, insert, text

from central.clock import PARIS, business_day, now, school_year
from central.models import (
    beneficiary_sessions,
    card_events,
    card_reports,
    cards,
    idempotency_keys,
    partners,
    rate_limits,
    terminals,
    transactions,
    vouchers,
    wallet_types,
    wallets,
)

SCALE_PASSWORD_RULE = "Scale-<code>"
CARD_PASSWORD = "Scale-Card1"
WALLET_LABELS = {"MANUEQUIP": "Manuels et équipements", "PREMIEREQUIP": "Premier équipement"}
NUMBER_SPACE = 9_000_000  # transaction numbers are 7 digits, 1000000-9999999 (API.md), per partner
TICKET_SPACE = 900_000_000_000
BATCH = 20_000

FIRST_NAMES = "Jean Léa Lucas Emma Hugo Chloé Louis Inès Nathan Manon Enzo Camille Théo".split()
LAST_NAMES = (
    "MARTIN BERNARD DUBOIS THOMAS ROBERT PETIT DURAND LEROY MOREAU SIMON LAURENT LEFEBVRE MICHEL "
    "GARCIA DAVID BERTRAND ROUX VINCENT FOURNIER MOREL GIRARD ANDRE MERCIER DUPONT"
).split()
CITIES = (
    ("80000", "AMIENS"), ("59000", "LILLE"), ("62000", "ARRAS"), ("02100", "SAINT-QUENTIN"),
    ("60000", "BEAUVAIS"), ("59300", "VALENCIENNES"), ("62100", "CALAIS"),
    ("59140", "DUNKERQUE"), ("60200", "COMPIEGNE"), ("62200", "BOULOGNE-SUR-MER"),
)  # fmt: skip


class SeedRefused(Exception):
    """The seed would overwrite data, or cannot be made at these sizes; the message says why."""


@dataclass(frozen=True)
class Spec:
    cards: int = 350_000
    partners: int = 1_500
    terminals: int = 3_000
    transactions: int = 10_000_000
    days: int = 730
    random_seed: int = 2026

    def check(self) -> None:
        if min(self.cards, self.partners, self.days) < 1 or self.transactions < 0:
            raise SeedRefused("tailles invalides : au moins 1 carte, 1 partenaire, 1 jour")
        if self.terminals < self.partners:
            raise SeedRefused("au moins un terminal par partenaire (--terminals ≥ --partners)")
        # Numbers are unique per partner: refused here when even an even spread overflows; a
        # partner given more rows than numbers stops the generator (`Generator._number`).
        rows = self.transactions + 2 * self.cards  # + one load a wallet, + voucher follow-ups
        if rows > NUMBER_SPACE * self.partners:
            raise SeedRefused(
                f"{rows:,} lignes de grand livre dépassent les {NUMBER_SPACE:,} numéros de "
                f"transaction à 7 chiffres (API.md) de {self.partners:,} partenaire(s) : "
                "numéros en double"
            )


@dataclass
class Loaded:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, table: str, n: int) -> None:
        self.counts[table] = self.counts.get(table, 0) + n


def partner_password(code: str) -> str:
    return f"Scale-{code}"


# ---- the generator ------------------------------------------------------------------------------


def _day_weight(day: date) -> float:
    weekday = (0.9, 0.9, 1.0, 0.9, 1.0, 1.4, 0.05)[day.weekday()]
    month = {7: 0.5, 8: 1.2, 9: 5.0, 10: 1.5, 6: 0.6}.get(day.month, 1.0)
    if day.month == 8 and day.day >= 20:
        month = 3.5  # the back-to-school rush starts before September
    if day.month == 9 and day.day <= 15:
        month = 6.5
    return weekday * month


def _instant(day: date, minute_of_day: int) -> datetime:
    local = datetime.combine(day, clock_time(0), tzinfo=PARIS) + timedelta(minutes=minute_of_day)
    return local.astimezone(UTC)


_UUID_CLEAR = ~((0xF << 76) | (0xC << 60))  # version nibble and variant bits
_UUID_SET = (4 << 76) | (0x8 << 60)


class Generator:
    """Rows of every table, in an order the foreign keys accept, from one random generator."""

    def __init__(self, spec: Spec, today: date) -> None:
        self.spec = spec
        self.rng = random.Random(spec.random_seed)
        self.today = today
        self.start = today - timedelta(days=spec.days - 1)
        self.created = _instant(self.start - timedelta(days=1), 8 * 60)
        self.days = [self.start + timedelta(days=i) for i in range(spec.days)]
        weights = [_day_weight(d) for d in self.days]
        # Shop hours never cross a DST change (at 2-3 am): one UTC base per day, plus minutes.
        self.noon = [_instant(d, 12 * 60) - timedelta(hours=12) for d in self.days]
        self.cum = list(itertools.accumulate(weights))
        # Numbers per partner (the loads, of no partner, are a series of their own): the n-th row
        # of a series is 1000000 + (a*n + offset) mod NUMBER_SPACE, distinct up to NUMBER_SPACE.
        self._number_step = self._coprime(NUMBER_SPACE)
        self._number_offset = [self.rng.randrange(NUMBER_SPACE) for _ in range(spec.partners + 1)]
        self._numbered = [0] * (spec.partners + 1)
        self._tickets = self._permutation(TICKET_SPACE, 100_000_000_000)
        self.partner_rows: list[dict[str, Any]] = []
        self.partner_share: list[float] = []
        self._choices: dict[tuple[str, bool, bool], tuple[list[int], list[float]]] = {}
        self.terminals_of: dict[int, list[str]] = {}
        self.status_events: list[dict[str, Any]] = []

    def _coprime(self, space: int) -> int:
        """A random multiplier prime to `space` (whose prime factors are 2, 3 and 5)."""
        a = self.rng.randrange(1, space)
        while any(a % p == 0 for p in (2, 3, 5)):
            a += 1
        return a

    def _permutation(self, space: int, base: int) -> Iterator[str]:
        """Distinct numbers, scrambled: i -> base + (a*i + b) mod space, with gcd(a, space) = 1."""
        a = self._coprime(space)
        b = self.rng.randrange(space)
        return (str(base + (a * i + b) % space) for i in itertools.count())

    def _number(self, partner_id: int | None) -> str:
        """The next transaction number of this partner's series (0: the loads, of no partner)."""
        series = partner_id or 0
        n = self._numbered[series]
        if n >= NUMBER_SPACE:
            raise SeedRefused(
                f"le partenaire {series} dépasse les {NUMBER_SPACE:,} numéros de transaction à "
                "7 chiffres (API.md) : plus de partenaires, ou moins de lignes"
            )
        self._numbered[series] = n + 1
        return str(1_000_000 + (self._number_step * n + self._number_offset[series]) % NUMBER_SPACE)

    def uuid(self) -> str:
        """A version-4 UUID from the generator (str(uuid.UUID(...)) costs three times more)."""
        bits = self.rng.getrandbits(128) & _UUID_CLEAR | _UUID_SET
        h = f"{bits:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def _hash(self, password: str) -> str:
        salt = self.rng.getrandbits(128).to_bytes(16, "big")
        return hash_secret(password.encode(), salt, 2, 19456, 1, 32, Type.ID).decode()

    # -- reference data --

    def partners(self) -> list[dict[str, Any]]:
        salts = [self.rng.getrandbits(128).to_bytes(16, "big") for _ in range(self.spec.partners)]
        rows = []
        for i in range(1, self.spec.partners + 1):
            bookshop = self.rng.random() < 0.7
            code = f"{'L' if bookshop else 'E'}{i:05d}"
            postal, city = self.rng.choice(CITIES)
            rows.append({
                "id": i, "code": code, "name": f"{'LIBRAIRIE' if bookshop else 'ATELIER'} {i}",
                "postal_code": postal, "city": city,
                "kind": "bookshop" if bookshop else "equipment",
                "accepts_prepayment": bookshop and self.rng.random() < 0.4,
                "accepts_online_payment": self.rng.random() < 0.5,
                "wallet_codes": "MANUEQUIP" if bookshop else "MANUEQUIP,PREMIEREQUIP",
                "password_hash": "", "max_payment_cents": 5000, "max_card_total_cents": 10000,
                "max_age_hours": 72, "created_at": self.created,
            })  # fmt: skip
        # Argon2 releases the GIL: hash on every core (1,500 hashes of ~20 ms each).
        with ThreadPoolExecutor() as pool:
            hashes = pool.map(
                lambda pair: hash_secret(
                    partner_password(pair[0]["code"]).encode(), pair[1], 2, 19456, 1, 32, Type.ID
                ).decode(),
                zip(rows, salts, strict=True),
            )
            for row, hashed in zip(rows, hashes, strict=True):
                row["password_hash"] = hashed
        self.partner_rows = rows
        # A few big shops, many small ones (Pareto): the busiest partner's statement is heavy.
        self.partner_share = [self.rng.paretovariate(1.2) for _ in rows]
        return rows

    def terminals(self) -> list[dict[str, Any]]:
        owners = list(range(1, self.spec.partners + 1))
        owners += [
            self.rng.randint(1, self.spec.partners)
            for _ in range(self.spec.terminals - self.spec.partners)
        ]
        rows = []
        for n, partner_id in enumerate(owners, start=1):
            terminal_id = self.uuid()
            self.terminals_of.setdefault(partner_id, []).append(terminal_id)
            token = self.rng.getrandbits(256).to_bytes(32, "big")
            rows.append({
                "id": terminal_id, "partner_id": partner_id, "label": f"Caisse {n}",
                "token_hash": hashlib.sha256(token).hexdigest(), "created_at": self.created,
                "revoked_at": None,
            })  # fmt: skip
        return rows

    # -- cards and their ledger --

    def _school_years(self) -> list[tuple[date, date, float]]:
        years: list[tuple[date, date, float]] = []
        day = self.start
        while day <= self.today:
            first, last = school_year(day)
            lo = bisect.bisect_left(self.days, max(first, self.start))
            hi = bisect.bisect_right(self.days, min(last, self.today))
            weight = self.cum[hi - 1] - (self.cum[lo - 1] if lo else 0.0)
            years.append((first, last, weight))
            day = last + timedelta(days=1)
        return years

    def cards(self) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        """(table, rows) batches: cards, card_events, wallets, transactions, vouchers."""
        spec = self.spec
        years = self._school_years()
        year_cum = list(itertools.accumulate(w for _, _, w in years))
        per_card, extra = divmod(spec.transactions, spec.cards)
        lucky = set(self.rng.sample(range(spec.cards), extra))
        card_hash = self._hash(CARD_PASSWORD)
        out: dict[str, list[dict[str, Any]]] = {
            "cards": [], "card_events": [], "wallets": [], "transactions": [], "vouchers": []
        }  # fmt: skip
        wallet_id = 0
        event_id = 0
        for i in range(spec.cards):
            card_id = i + 1
            first, last, _ = years[bisect.bisect_left(year_cum, self.rng.random() * year_cum[-1])]
            number = str(40_000_000 + card_id)
            current = first <= self.today <= last
            status, since, reason = "active", self.created, None
            end_day = min(last, self.today)
            if not current:
                status, since = "expired", _instant(last + timedelta(days=1), 0)
            else:
                roll = self.rng.random()
                if roll < 0.05:
                    status = "blocked" if roll < 0.03 else "replaced"
                    reason = self.rng.choice(("lost", "stolen")) if status == "blocked" else None
                    span = max(1, (self.today - max(first, self.start)).days)
                    end_day = max(first, self.start) + timedelta(days=self.rng.randrange(span))
                    since = _instant(end_day, 20 * 60)
            out["cards"].append({
                "id": card_id, "card_number": number, "dossier_number": str(5_000_000 + card_id),
                "first_name": self.rng.choice(FIRST_NAMES),
                "last_name": self.rng.choice(LAST_NAMES), "status": status,
                "status_since": since, "password_hash": card_hash, "photo_jpeg": None,
                "created_at": self.created,
            })  # fmt: skip
            event_id += 1
            out["card_events"].append({"id": event_id, "card_id": card_id, "status": "active",
                                       "since": self.created, "reason": None})  # fmt: skip
            if status != "active":
                self.status_events.append({"card_id": card_id, "status": status, "since": since,
                                           "reason": reason})  # fmt: skip
            held = [("MANUEQUIP", self.rng.choice((10_000, 15_000, 20_000)))]
            if self.rng.random() < 0.33:
                held.append(("PREMIEREQUIP", 30_000))
            balances: dict[str, list[int]] = {}
            for code, loaded in held:
                wallet_id += 1
                balances[code] = [wallet_id, loaded]
                out["transactions"].append(self._row(
                    kind="load", card_id=card_id, card_number=number, wallet_code=code,
                    amount=loaded, delta=loaded, balance=loaded,
                    at=_instant(first, 0),
                    partner_id=None, terminal_id=None, channel="extranet",
                ))  # fmt: skip
            k = per_card + (1 if i in lucky else 0)
            lo = bisect.bisect_left(self.days, max(first, self.start))
            hi = bisect.bisect_right(self.days, end_day)
            self._ledger(out, card_id, number, balances, k, lo, hi, expired=not current)
            for code, (wid, balance) in balances.items():
                out["wallets"].append({
                    "id": wid, "card_id": card_id, "wallet_code": code, "balance_cents": balance,
                    "valid_from": first, "valid_to": last,
                })  # fmt: skip
            if len(out["transactions"]) >= BATCH:
                yield from self._flush(out)
        yield from self._flush(out)

    def _flush(self, out: dict[str, list[dict[str, Any]]]) -> Iterator[tuple[str, Any]]:
        for table in ("cards", "card_events", "wallets", "transactions", "vouchers"):
            if out[table]:
                yield table, out[table]
                out[table] = []

    def status_event_rows(self, first_id: int) -> list[dict[str, Any]]:
        """Blocks, replacements and expiries, numbered in time order (the deny-list cursor)."""
        ordered = sorted(self.status_events, key=lambda e: (e["since"], e["card_id"]))
        return [{"id": first_id + n, **e} for n, e in enumerate(ordered)]

    def _row(self, *, kind: str, card_id: int, card_number: str, wallet_code: str, amount: int,
             delta: int, balance: int, at: datetime, partner_id: int | None,
             terminal_id: str | None, channel: str, status: str = "completed",
             recorded: datetime | None = None, offline: bool = False, cancels: str | None = None,
             ticket: str | None = None) -> dict[str, Any]:  # fmt: skip
        return {
            "id": self.uuid(), "number": self._number(partner_id), "kind": kind, "status": status,
            "card_id": card_id, "card_number": card_number, "wallet_code": wallet_code,
            "amount_cents": amount, "delta_cents": delta, "balance_after_cents": balance,
            "occurred_at": at, "recorded_at": recorded or at, "partner_id": partner_id,
            "terminal_id": terminal_id, "channel": channel, "cancels": cancels,
            "offline": offline, "reference": None,
            "reason": "Erreur de saisie" if kind == "cancellation" else None,
            "voucher_ticket": ticket,
        }  # fmt: skip

    def _partner(self, wallet_code: str, *, online: bool = False, prepay: bool = False) -> int:
        """A partner taking this wallet (and online payments, or prepayments), by its weight."""
        key = (wallet_code, online, prepay)
        if key not in self._choices:
            ids, weights = [], []
            for p, w in zip(self.partner_rows, self.partner_share, strict=True):
                if wallet_code not in p["wallet_codes"].split(","):
                    continue
                if (online and not p["accepts_online_payment"]) or (
                    prepay and not p["accepts_prepayment"]
                ):
                    continue
                ids.append(int(p["id"]))
                weights.append(w)
            self._choices[key] = (ids, list(itertools.accumulate(weights)))
        ids, cum = self._choices[key]
        if not ids:
            return 0  # none: the caller makes a plain counter payment instead
        return ids[bisect.bisect_left(cum, self.rng.random() * cum[-1])]

    def _ledger(self, out: dict[str, list[dict[str, Any]]], card_id: int, number: str,
                balances: dict[str, list[int]], k: int, lo: int, hi: int, *,
                expired: bool) -> None:  # fmt: skip
        """k rows of one card, in time order, between day indexes lo and hi (exclusive)."""
        if k == 0 or hi <= lo:
            return
        base = self.cum[lo - 1] if lo else 0.0
        span = self.cum[hi - 1] - base
        slots = sorted(
            (bisect.bisect_left(self.cum, base + self.rng.random() * span, lo, hi - 1),
             self.rng.randrange(9 * 60, 19 * 60))
            for _ in range(k)
        )  # fmt: skip
        codes = list(balances)
        # Amounts sized so the k rows fit in what was loaded (about 80 % of it spent).
        mean = max(150.0, 0.8 * sum(b for _, b in balances.values()) / k)
        j = 0
        while j < len(slots):
            day_index, minute = slots[j]
            at = self.noon[day_index] + timedelta(minutes=minute)
            code = self.rng.choice(codes)
            wallet = balances[code]
            if wallet[1] < 100:  # spent: what remains happens on another wallet or not at all
                code = max(codes, key=lambda c: balances[c][1])
                wallet = balances[code]
                if wallet[1] < 100:
                    return
            follow = slots[j + 1] if j + 1 < len(slots) else None
            follow_at = self.noon[follow[0]] + timedelta(minutes=follow[1]) if follow else None
            amount = min(wallet[1], 5000, max(100, int(self.rng.expovariate(1 / mean))))
            roll = self.rng.random()
            common: dict[str, Any] = {
                "card_id": card_id, "card_number": number, "wallet_code": code
            }  # fmt: skip
            if roll < 0.05:  # a prepayment: the voucher's life takes the next slot when it has one
                partner = self._partner(code, prepay=True)
                if partner:
                    j += self._voucher(out, common, wallet, amount, partner, at, follow_at,
                                       expired=expired)  # fmt: skip
                    continue
            if roll < 0.11:  # an online payment by the beneficiary
                partner = self._partner(code, online=True)
                if partner:
                    wallet[1] -= amount
                    out["transactions"].append(self._row(
                        kind="online_payment", **common, amount=amount, delta=-amount,
                        balance=wallet[1], at=at, partner_id=partner, terminal_id=None,
                        channel="extranet",
                    ))  # fmt: skip
                    j += 1
                    continue
            partner = self._partner(code) or self._partner("MANUEQUIP")
            terminal = self.rng.choice(self.terminals_of[partner])
            offline = self.rng.random() < 0.08
            recorded = at
            if offline:
                recorded = min(now(), at + timedelta(minutes=self.rng.randrange(10, 48 * 60)))
            wallet[1] -= amount
            payment = self._row(
                kind="counter_payment", **common, amount=amount, delta=-amount,
                balance=wallet[1], at=at, recorded=recorded, offline=offline,
                partner_id=partner, terminal_id=terminal, channel="counter",
            )  # fmt: skip
            out["transactions"].append(payment)
            j += 1
            cancel = roll > 0.97 and follow_at is not None and follow_at - at < timedelta(days=30)
            if cancel and follow_at is not None:
                payment["status"] = "cancelled"
                wallet[1] += amount
                out["transactions"].append(self._row(
                    kind="cancellation", **common, amount=amount, delta=amount,
                    balance=wallet[1], at=follow_at, partner_id=partner, terminal_id=terminal,
                    channel="counter", cancels=payment["id"],
                ))  # fmt: skip
                j += 1

    def _voucher(self, out: dict[str, list[dict[str, Any]]], common: dict[str, Any],
                 wallet: list[int], amount: int, partner: int, at: datetime,
                 follow_at: datetime | None, *, expired: bool) -> int:  # fmt: skip
        """A prepayment and its voucher; returns the slots used (1, or 2 with its outcome)."""
        ticket = next(self._tickets)
        wallet[1] -= amount
        prepayment = self._row(
            kind="prepayment", **common, amount=amount, delta=-amount, balance=wallet[1], at=at,
            partner_id=partner, terminal_id=None, channel="extranet", ticket=ticket,
        )  # fmt: skip
        out["transactions"].append(prepayment)
        voucher = {
            "ticket_number": ticket, "transaction_number": prepayment["number"],
            "prepayment_id": prepayment["id"], "partner_id": partner,
            "card_id": common["card_id"], "wallet_id": wallet[0],
            "wallet_code": common["wallet_code"], "amount_cents": amount, "status": "pending",
            "created_at": at, "redeemed_at": None, "redemption_id": None, "closed_at": None,
        }  # fmt: skip
        out["vouchers"].append(voucher)
        if follow_at is None:
            if not expired:
                return 1  # still pending today
            follow_at = at + timedelta(days=1)  # the wallet's validity ended: it expired
            outcome = "expired"
        else:
            outcome = self.rng.choices(("redeemed", "cancelled", "expired"), (75, 20, 5))[0]
            if outcome == "expired" and not expired:
                outcome = "cancelled"  # a current wallet's voucher cannot have expired yet
        if outcome == "redeemed":
            terminal = self.rng.choice(self.terminals_of[partner])
            row = self._row(
                kind="voucher_redemption", **common, amount=amount, delta=0, balance=wallet[1],
                at=follow_at, partner_id=partner, terminal_id=terminal, channel="counter",
                ticket=ticket,
            )  # fmt: skip
            voucher.update(status="redeemed", redeemed_at=follow_at, redemption_id=row["id"])
        else:
            wallet[1] += amount
            kind = "prepayment_cancellation" if outcome == "cancelled" else "voucher_expiry"
            row = self._row(
                kind=kind, **common, amount=amount, delta=amount, balance=wallet[1],
                at=follow_at, partner_id=partner, terminal_id=None, channel="extranet",
                ticket=ticket,
            )  # fmt: skip
            voucher.update(status=outcome, closed_at=follow_at)
        out["transactions"].append(row)
        return 2


# ---- loading ------------------------------------------------------------------------------------

TABLES: dict[str, Table] = {
    t.name: t for t in (partners, terminals, cards, card_events, wallets, transactions, vouchers)
}
DATA_TABLES = (
    rate_limits, beneficiary_sessions, idempotency_keys, vouchers, transactions, card_reports,
    card_events, wallets, cards, terminals, partners, wallet_types,
)  # fmt: skip


def holds_data(conn: Connection) -> bool:
    from central import admin

    return not admin.is_empty(conn)


BULK_TABLES = ("card_events", "wallets", "transactions", "vouchers", "terminals")


def _drop_checks(conn: Connection) -> list[str]:
    """PostgreSQL: drop the foreign keys, unique constraints and secondary indexes of the big
    tables (in this transaction) and return the statements that rebuild them after the COPY.

    Measured at 1/100 scale: COPY of 104,508 ledger rows took 2.1 s into a table without them,
    about 5 s with them (a foreign-key trigger and four index updates per row)."""
    tables = ", ".join(f"'{t}'::regclass" for t in BULK_TABLES)
    constraints = conn.exec_driver_sql(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype "
        f"FROM pg_constraint WHERE contype IN ('f', 'u') AND conrelid IN ({tables}) "
        "ORDER BY contype DESC, conname"  # unique ones first when rebuilding, keys after
    ).all()
    indexes = conn.exec_driver_sql(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
        f"WHERE indrelid IN ({tables}) AND NOT indisprimary AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = indexrelid) ORDER BY 1"
    ).all()
    for table, name, _definition, _kind in sorted(constraints, key=lambda c: c[3] != "f"):
        conn.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        conn.exec_driver_sql(f"DROP INDEX {name}")
    rebuild = [definition for _name, definition in indexes]
    rebuild += [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d, _k in constraints]
    return rebuild


def _writer(conn: Connection, postgres: bool) -> Callable[[str, list[dict[str, Any]]], None]:
    if not postgres:

        def write_sqlite(table: str, rows: list[dict[str, Any]]) -> None:
            conn.execute(insert(TABLES[table]), rows)

        return write_sqlite
    raw = conn.connection.driver_connection
    assert raw is not None

    def write_copy(table: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        # The columns the seed fills (a later column keeps its default: e.g. a terminal's
        # `last_used_at` of the token life cycle).
        columns = [c.name for c in TABLES[table].columns if c.name in rows[0]]
        with raw.cursor() as cur:
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([_plain(row[c]) for c in columns])

    return write_copy


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)  # UTCDateTime stores naive UTC
    return value


def seed_scale(
    conn: Connection, spec: Spec, *, force: bool = False, progress: Callable[[str], None] = print
) -> Loaded:
    """Load the data set inside the caller's transaction; returns the row counts."""
    spec.check()
    started = time.perf_counter()
    if holds_data(conn):
        if not force:
            raise SeedRefused("la base contient des données : --force pour tout remplacer")
        if conn.dialect.name == "postgresql":
            names = ", ".join(t.name for t in DATA_TABLES)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for data_table in DATA_TABLES:
                conn.execute(delete(data_table))
    postgres = conn.dialect.name == "postgresql"
    rebuild = _drop_checks(conn) if postgres else []
    write = _writer(conn, postgres)
    loaded = Loaded()
    gen = Generator(spec, business_day(now()))
    for code, label in WALLET_LABELS.items():
        conn.execute(insert(wallet_types).values(code=code, label=label))
    for table, rows in (("partners", gen.partners()), ("terminals", gen.terminals())):
        write(table, rows)
        loaded.add(table, len(rows))
    for table, rows in gen.cards():
        write(table, rows)
        loaded.add(table, len(rows))
        if table == "transactions" and loaded.counts[table] % 500_000 < len(rows):
            progress(f"  {loaded.counts[table]:,} transactions…")
    events = gen.status_event_rows(loaded.counts.get("card_events", 0) + 1)
    for start in range(0, len(events), BATCH):
        write("card_events", events[start : start + BATCH])
    loaded.add("card_events", len(events))
    for statement in rebuild:  # one pass each over the loaded rows, in bulk
        conn.exec_driver_sql(statement)
    if postgres:
        for table in ("partners", "cards", "card_events", "wallets"):
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            ))  # fmt: skip
    loaded.seconds = time.perf_counter() - started
    return loaded


def cmd_seed_scale(args: argparse.Namespace) -> int:
    from central import keyring
    from central.cli import _prepare
    from central.db import single_use_engine

    spec = Spec(
        cards=args.cards, partners=args.partners, terminals=args.terminals,
        transactions=args.transactions, days=args.days, random_seed=args.random_seed,
    )  # fmt: skip
    engine = single_use_engine(_prepare(args.database, demo=False))
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(hdf_write=True)
            with conn.begin():
                loaded = seed_scale(conn, spec, force=args.force)
                keyring.ensure_key(conn)
            if conn.dialect.name == "postgresql":
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    except SeedRefused as exc:
        print(f"refusé : {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    rows = sum(loaded.counts.values())
    print(
        f"jeu --scale chargé en {loaded.seconds:.1f} s ({rows / max(loaded.seconds, 1e-9):,.0f} "
        f"lignes/s) : " + ", ".join(f"{n:,} {t}" for t, n in loaded.counts.items())
    )
    print(f"mot de passe de chaque partenaire : {SCALE_PASSWORD_RULE} (ex. Scale-L00001) ; "
          f"des cartes : {CARD_PASSWORD}")  # fmt: skip
    return 0
