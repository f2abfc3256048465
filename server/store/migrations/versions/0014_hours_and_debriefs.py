"""volunteer_hours, debriefs and supervision_notes (volunteers' time and reflection)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # New tables only: time is counted from the first session after the upgrade (sessions
    # before it were never measured, and nothing is made up for them).
    op.create_table(
        "volunteer_hours",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("staff_id", sa.String(32), sa.ForeignKey("staff.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("room_id", sa.String(32), sa.ForeignKey("rooms.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("audience", sa.String(32), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("prep_minutes", sa.Integer(), nullable=False),
        sa.Column("corrected_minutes", sa.Integer(), nullable=True),
        sa.Column("corrected_by", sa.String(32), nullable=True),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("correction_reason", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_volunteer_hours_staff_started", "volunteer_hours",
                    ["staff_id", "started_at"])
    op.create_index("ix_volunteer_hours_started", "volunteer_hours", ["started_at"])
    op.create_table(
        "debriefs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("hours_id", sa.String(32),
                  sa.ForeignKey("volunteer_hours.id", ondelete="CASCADE"), nullable=False,
                  unique=True),
        sa.Column("staff_id", sa.String(32), sa.ForeignKey("staff.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("went", sa.String(16), nullable=False),
        sa.Column("affected", sa.String(2000), nullable=False, server_default=""),
        sa.Column("notes", sa.String(2000), nullable=False, server_default=""),
        sa.Column("concern_text", sa.String(2000), nullable=False, server_default=""),
        sa.Column("concern_about", sa.String(64), nullable=False, server_default=""),
        sa.Column("concern_category", sa.String(40), nullable=False, server_default=""),
        sa.Column("concern_alert", sa.String(64), nullable=True),
        sa.Column("concern_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_debriefs_staff_id", "debriefs", ["staff_id"])
    op.create_table(
        "supervision_notes",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("staff_id", sa.String(32), sa.ForeignKey("staff.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("text", sa.String(2000), nullable=False),
        sa.Column("written_by", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_supervision_notes_staff_id", "supervision_notes", ["staff_id"])


def downgrade() -> None:
    op.drop_index("ix_supervision_notes_staff_id", table_name="supervision_notes")
    op.drop_table("supervision_notes")
    op.drop_index("ix_debriefs_staff_id", table_name="debriefs")
    op.drop_table("debriefs")
    op.drop_index("ix_volunteer_hours_started", table_name="volunteer_hours")
    op.drop_index("ix_volunteer_hours_staff_started", table_name="volunteer_hours")
    op.drop_table("volunteer_hours")
