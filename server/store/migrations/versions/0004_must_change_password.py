"""must_change_password: a staff member given a generated password changes it at first login

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN, not batch mode: on SQLite batch mode would copy the staff
    # table, and with foreign keys on, dropping the old copy cascades to every session.
    # Existing accounts chose their own passwords, so they start with the flag off.
    op.add_column("staff", sa.Column("must_change_password", sa.Boolean, nullable=False,
                                     server_default=sa.false()))


def downgrade() -> None:
    # SQLite has had DROP COLUMN since 3.35; no table copy (see upgrade).
    op.drop_column("staff", "must_change_password")
