"""rooms: timezone and opens_before; room_sessions (when each group meets)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs with server defaults (see 0010: batch mode on SQLite would copy the
    # rooms table and cascade deletes). Existing groups meet in UK time and, having no
    # sessions yet, stay open whenever a facilitator runs them.
    op.add_column("rooms", sa.Column("timezone", sa.String(64), nullable=False,
                                     server_default="Europe/London"))
    op.add_column("rooms", sa.Column("opens_before", sa.Integer(), nullable=False,
                                     server_default="15"))
    op.create_table(
        "room_sessions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("room_id", sa.String(32), sa.ForeignKey("rooms.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("first", sa.Date(), nullable=False),
        sa.Column("start", sa.Time(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("weekly", sa.Boolean(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_room_sessions_room_id", "room_sessions", ["room_id"])


def downgrade() -> None:
    op.drop_index("ix_room_sessions_room_id", table_name="room_sessions")
    op.drop_table("room_sessions")
    op.drop_column("rooms", "opens_before")
    op.drop_column("rooms", "timezone")
