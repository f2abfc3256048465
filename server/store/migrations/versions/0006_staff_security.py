"""staff security: facilitators assigned to rooms (room_staff) and a TOTP second factor

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-09
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Which facilitators may take a token for which room. Leads and admins are not
    # listed: they may enter every room. Rows go with their room or account.
    op.create_table(
        "room_staff",
        sa.Column("room_id", sa.String(32), sa.ForeignKey("rooms.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("staff_id", sa.String(32), sa.ForeignKey("staff.id", ondelete="CASCADE"),
                  primary_key=True, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    # Plain ADD COLUMNs, never batch mode: on SQLite batch mode copies the staff table,
    # and with foreign keys on, dropping the old copy cascades to every session.
    # The TOTP secret is stored encrypted (server/auth/totp.py); NULL: not enrolled.
    op.add_column("staff", sa.Column("totp_secret", sa.String(255), nullable=True))
    # The newest 30-second step a code was accepted for, so a code works once only.
    op.add_column("staff", sa.Column("totp_last_step", sa.BigInteger, nullable=True))


def downgrade() -> None:
    op.drop_column("staff", "totp_last_step")
    op.drop_column("staff", "totp_secret")
    op.drop_table("room_staff")
