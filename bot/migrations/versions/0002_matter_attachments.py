"""ticket matter, photo attachments, index for suggested owner

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attachment", sa.String(length=256), nullable=True))

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("matter", sa.String(length=128), server_default="", nullable=False))
        batch_op.create_index("ix_tickets_suggested_status", ["suggested_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_suggested_status")
        batch_op.drop_column("matter")

    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.drop_column("attachment")
