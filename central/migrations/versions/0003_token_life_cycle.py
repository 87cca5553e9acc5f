"""Token life cycle: a terminal's last use, and the token a rotation replaced (API.md 1.1).

Revision ID: 0003_token_life
Revises: 0002_rate_limits
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from central.clock import now


revision = "0003_token_life"
down_revision = "0002_rate_limits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("terminals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("previous_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("previous_valid_until", sa.DateTime(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_terminals_previous_token_hash"), ["previous_token_hash"], unique=False
        )
    # Terminals in use before this version start their 30 days now, not at their enrolment.
    op.get_bind().execute(
        sa.text("UPDATE terminals SET last_used_at = :at WHERE revoked_at IS NULL"),
        {"at": now().replace(tzinfo=None)},
    )


def downgrade() -> None:
    with op.batch_alter_table("terminals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_terminals_previous_token_hash"))
        batch_op.drop_column("previous_valid_until")
        batch_op.drop_column("previous_token_hash")
        batch_op.drop_column("last_used_at")
