"""The journal's witness: journal_heads (every head a terminal sent), journal_conflicts, and
terminal_archive_keys (the public key of a terminal's signed archives).

Revision ID: 0004_journal_heads
Revises: 0003_token_life
Create Date: 2026-12-01 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_journal_heads"
down_revision = "0003_token_life"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "journal_heads",
        sa.Column("terminal_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["terminal_id"], ["terminals.id"], name=op.f("fk_journal_heads_terminal_id_terminals")
        ),
        sa.PrimaryKeyConstraint("terminal_id", "seq", name=op.f("pk_journal_heads")),
    )
    op.create_table(
        "journal_conflicts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("terminal_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("recorded_seq", sa.BigInteger(), nullable=False),
        sa.Column("recorded_hash", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["terminal_id"],
            ["terminals.id"],
            name=op.f("fk_journal_conflicts_terminal_id_terminals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_conflicts")),
    )
    with op.batch_alter_table("journal_conflicts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_journal_conflicts_terminal_id"), ["terminal_id"], unique=False
        )
    op.create_table(
        "terminal_archive_keys",
        sa.Column("terminal_id", sa.String(length=36), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["terminal_id"],
            ["terminals.id"],
            name=op.f("fk_terminal_archive_keys_terminal_id_terminals"),
        ),
        sa.PrimaryKeyConstraint("terminal_id", name=op.f("pk_terminal_archive_keys")),
    )


def downgrade() -> None:
    op.drop_table("terminal_archive_keys")
    with op.batch_alter_table("journal_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journal_conflicts_terminal_id"))
    op.drop_table("journal_conflicts")
    op.drop_table("journal_heads")
