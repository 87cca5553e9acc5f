"""The administrator's commands on terminals and partner passwords (`hdf-central terminal list`,
`terminal revoke`, `partner password`): what a region does when a till is stolen or a password
has leaked. Each runs inside the caller's transaction.

`terminal list` shows each terminal's last use (`terminals.last_used_at`, the token life cycle)
and its refused journal heads (`central.journal.journal_conflicts`, the journal's witness).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from central.clock import now
from central.journal import journal_conflicts
from central.models import partners, terminals
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
    journal_conflicts: int


def list_terminals(conn: Connection, partner_code: str | None = None) -> list[TerminalLine]:
    query = (
        select(
            terminals.c.id, partners.c.code, terminals.c.label, terminals.c.created_at,
            terminals.c.revoked_at, terminals.c.last_used_at,
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
    conflicts = journal_conflicts(conn, ids)
    return [
        TerminalLine(
            terminal_id=r.id,
            partner_code=r.code,
            label=r.label,
            created_at=r.created_at,
            revoked_at=r.revoked_at,
            last_use=r.last_used_at,
            journal_conflicts=conflicts.get(r.id, 0),
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
        revoked = "non" if t.revoked_at is None else _when(t.revoked_at)
        label = t.label.replace("\t", " ").replace("\n", " ")
        out.append(
            f"{t.terminal_id}\t{t.partner_code}\t{label}\t{_when(t.created_at)}\t"
            f"{_when(t.last_use)}\t{revoked}\t{t.journal_conflicts}"
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
