"""indexes for the weekly digest (resolved and closed per grid)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_grid_resolved", ["grid_id", "resolved_at"], unique=False)
        batch_op.create_index("ix_tickets_grid_closed", ["grid_id", "closed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_grid_closed")
        batch_op.drop_index("ix_tickets_grid_resolved")
