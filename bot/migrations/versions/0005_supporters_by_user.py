"""index: the tickets a resident supported (附议), for their bare 满意/不满意 and 我的工单

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_supporters", schema=None) as batch_op:
        batch_op.create_index("ix_supporters_user", ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ticket_supporters", schema=None) as batch_op:
        batch_op.drop_index("ix_supporters_user")
