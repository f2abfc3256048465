"""admitted participants' places in a live room session, so a restart keeps them

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Ids and times only (see PlaceRow): no names, devices, tokens or chat.
    op.create_table(
        "room_places",
        sa.Column("room_id", sa.String(32), sa.ForeignKey("rooms.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("participant_id", sa.String(64), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resume_by", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("room_places")
