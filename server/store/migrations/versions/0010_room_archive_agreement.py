"""rooms: archived_at (an archived group admits nobody) and agreement (its own group agreement)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs, not batch mode: on SQLite batch mode would copy the rooms table,
    # and with foreign keys on, dropping the old copy cascades to every invite, alert and
    # escalation of every room. Both nullable: existing rooms are open and keep the
    # default agreement.
    op.add_column("rooms", sa.Column("archived_at", sa.DateTime(timezone=True),
                                     nullable=True))
    op.add_column("rooms", sa.Column("agreement", sa.String(2000), nullable=True))


def downgrade() -> None:
    # SQLite has had DROP COLUMN since 3.35; no table copy (see upgrade).
    op.drop_column("rooms", "agreement")
    op.drop_column("rooms", "archived_at")
