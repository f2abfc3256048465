"""staff_erasures (a staff member's request to delete their account)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-14
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A new table only: the staff table keeps its columns (an erased account is marked by
    # its tombstone username, which no new account may take), so code reading staff rows
    # works on every revision (docs/architecture.md, "A staff member's data").
    op.create_table(
        "staff_erasures",
        sa.Column("staff_id", sa.String(32), sa.ForeignKey("staff.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("reason", sa.String(500), nullable=False, server_default=""),
        sa.Column("former_name", sa.String(64), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("staff_erasures")
