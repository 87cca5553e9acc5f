"""The administrator's commands on terminals and partner passwords (`hdf-central terminal list`,
`terminal revoke`, `partner password`): what a region does when a till is stolen or a password
has leaked. Each runs inside the caller's transaction.

Two columns of `terminal list` come from other parts of the service, each through one small query
function that answers nothing (shown "—") while its table or column does not exist:
`last_uses` reads `terminals.last_used_at` (the token life cycle), `journal_conflicts` counts the
rows of `journal_conflicts` (the journal's witness).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select, update

from central.clock import now
from central.models import metadata, partners, terminals
from central.security import hash_password

NONE = "—"


@dataclass(frozen=True)
class TerminalLine:
    terminal_id: str
    partner_code: str
    label: str
    created_at: datetime
    revoked_at: datetime | None
    last_use: datetime | None
    journal_conflicts: int | None


def last_uses(conn: Connection, terminal_ids: Sequence[str]) -> dict[str, datetime] | None:
    """When each terminal last used its token; None while the service does not record it."""
    column = terminals.c.get("last_used_at")
    if column is None or not terminal_ids:
        return None
    rows = conn.execute(
        select(terminals.c.id, column).where(terminals.c.id.in_(terminal_ids), column.isnot(None))
    )
    return {r[0]: r[1] for r in rows}


def journal_conflicts(conn: Connection, terminal_ids: Sequence[str]) -> dict[str, int] | None:
    """How many journal heads each terminal sent were refused `journal_conflict`; None while the
    service does not record them."""
    table = metadata.tables.get("journal_conflicts")
    if table is None or not terminal_ids:
        return None
    rows = conn.execute(
        select(table.c.terminal_id, func.count())
        .where(table.c.terminal_id.in_(terminal_ids))
        .group_by(table.c.terminal_id)
    )
    return {r[0]: int(r[1]) for r in rows}


def list_terminals(conn: Connection, partner_code: str | None = None) -> list[TerminalLine]:
    query = (
        select(
            terminals.c.id, partners.c.code, terminals.c.label, terminals.c.created_at,
            terminals.c.revoked_at,
        )
        .select_from(terminals.join(partners, partners.c.id == terminals.c.partner_id))
        .order_by(partners.c.code, terminals.c.created_at, terminals.c.id)
    )  # fmt: skip
    if partner_code is not None:
        if (
            conn.execute(select(partners.c.id).where(partners.c.code == partner_code)).first()
            is None
        ):
            raise ValueError(f"aucun partenaire « {partner_code} »")
        query = query.where(partners.c.code == partner_code)
    rows = conn.execute(query).all()
    ids = [r.id for r in rows]
    uses = last_uses(conn, ids)
    conflicts = journal_conflicts(conn, ids)
    return [
        TerminalLine(
            terminal_id=r.id,
            partner_code=r.code,
            label=r.label,
            created_at=r.created_at,
            revoked_at=r.revoked_at,
            last_use=None if uses is None else uses.get(r.id),
            journal_conflicts=None if conflicts is None else conflicts.get(r.id, 0),
        )
        for r in rows
    ]


def _when(at: datetime | None) -> str:
    return NONE if at is None else at.strftime("%Y-%m-%d %H:%M UTC")


def table(lines: Sequence[TerminalLine]) -> str:
    """The list as tab-separated lines under a header (what `terminal list` prints)."""
    head = "terminal\tpartenaire\tlibellé\tenrôlé\tdernier usage\trévoqué\tconflits de journal"
    out = [head]
    for t in lines:
        conflicts = NONE if t.journal_conflicts is None else str(t.journal_conflicts)
        revoked = "non" if t.revoked_at is None else _when(t.revoked_at)
        label = t.label.replace("\t", " ").replace("\n", " ")
        out.append(
            f"{t.terminal_id}\t{t.partner_code}\t{label}\t{_when(t.created_at)}\t"
            f"{_when(t.last_use)}\t{revoked}\t{conflicts}"
        )
    return "\n".join(out)


def revoke_terminal(conn: Connection, terminal_id: str) -> bool:
    """Revoke a terminal's token at once (its next request is 401). False if it already was."""
    row = conn.execute(select(terminals.c.revoked_at).where(terminals.c.id == terminal_id)).first()
    if row is None:
        raise ValueError(f"aucun terminal « {terminal_id} » (voir `hdf-central terminal list`)")
    if row.revoked_at is not None:
        return False
    conn.execute(update(terminals).where(terminals.c.id == terminal_id).values(revoked_at=now()))
    return True


def change_partner_password(
    conn: Connection, code: str, password: str, *, revoke_terminals: bool
) -> int:
    """Set a partner's password; with `revoke_terminals`, revoke every terminal it enrolled
    (they must enrol again with the new password). Returns how many were revoked."""
    done = conn.execute(
        update(partners)
        .where(partners.c.code == code)
        .values(password_hash=hash_password(password))
    )
    if done.rowcount != 1:
        raise ValueError(f"aucun partenaire « {code} »")
    if not revoke_terminals:
        return 0
    partner_id = select(partners.c.id).where(partners.c.code == code).scalar_subquery()
    revoked = conn.execute(
        update(terminals)
        .where(terminals.c.partner_id == partner_id, terminals.c.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    return int(revoked.rowcount)
