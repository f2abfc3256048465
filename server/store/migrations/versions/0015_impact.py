"""held_sessions, attendances and check_ins (the anonymous impact report)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # New tables only: sessions before the upgrade were never counted, and nothing is made
    # up for them (the report says from when it counts).
    op.create_table(
        "held_sessions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("room_id", sa.String(32), sa.ForeignKey("rooms.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("audience", sa.String(32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_held_sessions_started_at", "held_sessions", ["started_at"])
    op.create_index("ix_held_sessions_room_open", "held_sessions", ["room_id", "ended_at"])
    op.create_table(
        "attendances",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("held_id", sa.String(32),
                  sa.ForeignKey("held_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("who", sa.String(64), nullable=False),
        sa.Column("visitor", sa.String(64), nullable=True),
        sa.Column("first_time", sa.Boolean, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_attendances_visitor", "attendances", ["visitor"])
    op.create_index("ux_attendances_once", "attendances", ["held_id", "who"], unique=True)
    op.create_table(
        "check_ins",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("held_id", sa.String(32),
                  sa.ForeignKey("held_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("who", sa.String(64), nullable=False),
        sa.Column("answer", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ux_check_ins_once", "check_ins", ["held_id", "who"], unique=True)


def downgrade() -> None:
    op.drop_table("check_ins")
    op.drop_table("attendances")
    op.drop_table("held_sessions")
