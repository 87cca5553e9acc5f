"""What the API reads: card views, transaction pages, daily statements, the deny-list."""

from __future__ import annotations

import base64
import binascii
import json
from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, func, or_, select

from central.clock import business_day, day_bounds, fmt_instant, now, parse_instant
from central.errors import validation
from central.ledger import (
    EXTRANET_LABEL,
    PARTNER_KINDS,
    Partner,
    transaction_body,
    voucher_body,
    voucher_query,
    wallet_usability,
)
from central.models import (
    card_events,
    cards,
    terminals,
    transactions,
    vouchers,
    wallet_types,
    wallets,
)

# Built once: the card look-up is the commonest call of a till.
_CARD_VIEW = (
    select(
        cards.c.id,
        cards.c.card_number,
        cards.c.dossier_number,
        cards.c.status,
        cards.c.first_name,
        cards.c.last_name,
        wallets.c.wallet_code,
        wallets.c.balance_cents,
        wallets.c.valid_from,
        wallets.c.valid_to,
        wallet_types.c.label,
    )
    .select_from(
        cards.outerjoin(wallets, wallets.c.card_id == cards.c.id).outerjoin(
            wallet_types, wallet_types.c.code == wallets.c.wallet_code
        )
    )
    .where(cards.c.card_number == bindparam("card_number"))
    .order_by(wallets.c.id)
)


def card_view(
    conn: Connection, card_number: str, partner: Partner | None, *, with_private: bool = False
) -> dict[str, Any] | None:
    """GET /v1/cards/{n}: holder, status and wallets; `usable` judged for `partner` today (for
    the beneficiary, `partner` is None and `usable` ignores which partners accept the wallet)."""
    rows = conn.execute(_CARD_VIEW, {"card_number": card_number}).all()
    if not rows:
        return None
    first = rows[0]
    day = business_day(now())
    out_wallets = []
    for r in rows:
        if r.wallet_code is None:
            continue
        accepted = None if partner is None else r.wallet_code in partner.wallet_codes
        usable, reason = wallet_usability(
            card_status=first.status,
            balance=r.balance_cents,
            valid_from=r.valid_from,
            valid_to=r.valid_to,
            day=day,
            accepted=accepted,
        )
        out_wallets.append(
            {
                "code": r.wallet_code,
                "label": r.label,
                "balance_cents": r.balance_cents,
                "valid_from": r.valid_from.isoformat(),
                "valid_to": r.valid_to.isoformat(),
                "usable": usable,
                "reason": reason,
            }
        )
    view: dict[str, Any] = {
        "card_number": first.card_number,
        "status": first.status,
        "holder": {"first_name": first.first_name, "last_name": first.last_name},
        "photo_url": f"/v1/cards/{first.card_number}/photo",
        "wallets": out_wallets,
    }
    if with_private:
        view["dossier_number"] = first.dossier_number
        view["_card_id"] = first.id
    return view


# ---- transaction pages ------------------------------------------------------------------------


def _encode_cursor(occurred_at: datetime, txn_id: str) -> str:
    raw = json.dumps([occurred_at.isoformat(), txn_id]).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


MAX_CURSOR_CHARS = 256


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The cursor a page gave (untrusted: any text comes back): `[occurred_at, id]`, else 400."""
    try:
        if len(cursor) > MAX_CURSOR_CHARS:
            raise ValueError("cursor too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = json.loads(raw)
        if not isinstance(decoded, list) or len(decoded) != 2:
            raise ValueError("not a pair")
        occurred, txn_id = decoded
        if not isinstance(txn_id, str) or len(txn_id) > 36:
            raise ValueError("not a transaction id")
        return parse_instant(occurred), txn_id
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, RecursionError) as exc:
        raise validation("Curseur illisible.", status=400) from exc


def list_transactions(
    conn: Connection,
    partner: Partner,
    *,
    day_from: date,
    day_to: date,
    kind: str | None,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    start, _ = day_bounds(day_from)
    _, end = day_bounds(day_to)
    t = transactions.c
    query = select(transactions).where(
        t.partner_id == partner.id,
        t.kind.in_(PARTNER_KINDS),
        t.occurred_at >= start,
        t.occurred_at < end,
    )
    if kind:
        query = query.where(t.kind == kind)
    if cursor:
        c_at, c_id = _decode_cursor(cursor)
        # The redundant `occurred_at <= c_at` is the index range (partner_id, occurred_at, id):
        # PostgreSQL cannot take one from the OR alone, and walked the partner's whole period.
        query = query.where(
            t.occurred_at <= c_at,
            or_(t.occurred_at < c_at, and_(t.occurred_at == c_at, t.id < c_id)),
        )
    rows = conn.execute(query.order_by(t.occurred_at.desc(), t.id.desc()).limit(limit + 1)).all()
    items = [transaction_body(r, partner.code) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = _encode_cursor(last.occurred_at, last.id)
    return {"items": items, "next_cursor": next_cursor}


def daily_statement(conn: Connection, partner: Partner, day: date) -> dict[str, Any]:
    """The day as recorded. `by_terminal` charges a cancellation to the row of the transaction it
    cancels: an extranet payment's cancellation to the extranet row, not to the till that did it
    (issue 12, item 6)."""
    start, end = day_bounds(day)
    t = transactions.c
    cancelled = transactions.alias("cancelled")
    charged_to = case(
        (t.kind == "cancellation", cancelled.c.terminal_id), else_=t.terminal_id
    ).label("terminal_id")
    rows = conn.execute(
        select(
            t.kind,
            t.wallet_code,
            charged_to,
            terminals.c.label,
            func.count().label("n"),
            func.sum(t.amount_cents).label("amount"),
        )
        .select_from(
            transactions.outerjoin(cancelled, cancelled.c.id == t.cancels).outerjoin(
                terminals, terminals.c.id == charged_to
            )
        )
        .where(
            t.partner_id == partner.id,
            t.kind.in_(PARTNER_KINDS),
            t.occurred_at >= start,
            t.occurred_at < end,
        )
        .group_by(t.kind, t.wallet_code, charged_to, terminals.c.label)
    ).all()
    by_wallet: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_terminal: dict[str | None, list[Any]] = {}
    total_count = 0
    net = 0
    for r in rows:
        signed = -int(r.amount) if r.kind == "cancellation" else int(r.amount)
        n = int(r.n)
        total_count += n
        net += signed
        for acc in (by_wallet[r.wallet_code], by_kind[r.kind]):
            acc[0] += n
            acc[1] += signed
        label = r.label if r.terminal_id else EXTRANET_LABEL
        entry = by_terminal.setdefault(r.terminal_id, [label, 0, 0])
        entry[1] += n
        entry[2] += signed
    return {
        "date": day.isoformat(),
        "partner_code": partner.code,
        "transaction_count": total_count,
        "net_amount_cents": net,
        "by_wallet": [
            {"wallet_code": k, "count": v[0], "amount_cents": v[1]}
            for k, v in sorted(by_wallet.items())
        ],
        "by_kind": [
            {"kind": k, "count": v[0], "amount_cents": v[1]}
            for k, v in sorted(by_kind.items(), key=lambda kv: PARTNER_KINDS.index(kv[0]))
        ],
        "by_terminal": [
            {"terminal_id": k, "label": v[0], "count": v[1], "amount_cents": v[2]}
            for k, v in sorted(by_terminal.items(), key=lambda kv: (kv[0] is None, kv[1][0]))
        ],
    }


def denylist(conn: Connection, since: str | None) -> dict[str, Any]:
    """Blocked and replaced cards; with `since` (a cursor) only what changed after it."""
    query = (
        select(card_events.c.id, card_events.c.status, card_events.c.since, cards.c.card_number)
        .select_from(card_events.join(cards, cards.c.id == card_events.c.card_id))
        .where(card_events.c.status.in_(("blocked", "replaced")))
        .order_by(card_events.c.id)
    )
    after = 0
    if since is not None:
        # card_events.id is a 32-bit INTEGER on PostgreSQL: a bigger cursor was never served.
        if not since.isdigit() or len(since) > 10 or int(since) > 2**31 - 1:
            raise validation("Curseur de liste d'opposition illisible.", status=400)
        after = int(since)
        query = query.where(card_events.c.id > after)
    latest: dict[str, dict[str, Any]] = {}
    cursor = after
    for r in conn.execute(query).all():
        latest[r.card_number] = {
            "card_number": r.card_number,
            "status": r.status,
            "since": fmt_instant(r.since),
        }
        cursor = max(cursor, r.id)
    if since is None:
        top = conn.execute(select(func.max(card_events.c.id))).scalar()
        cursor = max(cursor, top or 0)
    return {"cards": list(latest.values()), "cursor": str(cursor)}


def card_vouchers(conn: Connection, card_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        voucher_query().where(vouchers.c.card_id == card_id).order_by(vouchers.c.created_at.desc())
    ).all()
    return [voucher_body(r) for r in rows]
