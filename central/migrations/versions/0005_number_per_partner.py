"""Transaction numbers unique per partner, not globally: 7 digits (9 million numbers) cannot
number the region's 10 million ledger rows (issue 15). A partner's numbers stay distinct, and
every look-up of a transaction is scoped to its partner.

Revision ID: 0005_number_per_partner
Revises: 0004_journal_heads
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0005_number_per_partner"
down_revision = "0004_journal_heads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_transactions_number", type_="unique")
        batch_op.create_unique_constraint(
            "uq_transactions_partner_number", ["partner_id", "number"]
        )


def downgrade() -> None:
    # Fails if two partners now hold the same number: the global rule cannot be put back then.
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_transactions_partner_number", type_="unique")
        batch_op.create_unique_constraint("uq_transactions_number", ["number"])
