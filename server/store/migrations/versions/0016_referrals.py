"""referrals (one-to-one support), and rooms.kind (group or one_to_one)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-14
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEALED = ("name", "reach", "need", "referrer_name", "referrer_role", "referrer_org", "reason")


def upgrade() -> None:
    # A plain ADD COLUMN with a server default (no table copy on SQLite: see 0010): every
    # room made before one-to-one support existed is a group.
    op.add_column("rooms", sa.Column("kind", sa.String(16), nullable=False,
                                     server_default="group"))
    op.create_table(
        "referrals",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("audience", sa.String(32), nullable=False),
        sa.Column("times", sa.String(200), nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("matched_staff_id", sa.String(32),
                  sa.ForeignKey("staff.id", ondelete="SET NULL"), nullable=True),
        sa.Column("room_id", sa.String(32), sa.ForeignKey("rooms.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("lead_alert", sa.String(64), nullable=True),
        *(sa.Column(f"{step}_at", sa.DateTime(timezone=True), nullable=True)
          for step in ("accepted", "signposted", "asked_lead", "matched", "closed",
                       "contact_erased")),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *(sa.Column(f"{name}_sealed", sa.Text, nullable=True) for name in SEALED),
    )
    op.create_index("ix_referrals_created_at", "referrals", ["created_at"])
    op.create_index("ix_referrals_status", "referrals", ["status"])
    op.create_index("ix_referrals_matched_staff_id", "referrals", ["matched_staff_id"])


def downgrade() -> None:
    op.drop_table("referrals")
    op.drop_column("rooms", "kind")
