"""volunteer_profiles and training_records (volunteers, their training and supervision)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # New tables only: existing facilitators have no profile and no training records, and
    # nobody is refused for that unless the operator turns HEARTH_REQUIRE_TRAINING on
    # (docs/architecture.md, "Volunteers and training").
    op.create_table(
        "volunteer_profiles",
        sa.Column("staff_id", sa.String(32), sa.ForeignKey("staff.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("languages", sa.String(64), nullable=False, server_default=""),
        sa.Column("other_languages", sa.String(100), nullable=False, server_default=""),
        sa.Column("audiences", sa.String(64), nullable=False, server_default=""),
        sa.Column("availability", sa.String(400), nullable=False, server_default=""),
        sa.Column("availability_note", sa.String(300), nullable=False, server_default=""),
        sa.Column("lived_experience", sa.String(500), nullable=False, server_default=""),
        sa.Column("supervision_due", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "training_records",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("staff_id", sa.String(32), sa.ForeignKey("staff.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("module", sa.String(40), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("entered_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_training_records_staff_id", "training_records", ["staff_id"])


def downgrade() -> None:
    op.drop_index("ix_training_records_staff_id", table_name="training_records")
    op.drop_table("training_records")
    op.drop_table("volunteer_profiles")
