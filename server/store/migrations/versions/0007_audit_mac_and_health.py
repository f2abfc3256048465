"""audit MACs (the chain keyed with the audit key) and the health row /readyz writes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-16
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: the entries already here have no MAC until they are signed once, when
    # the audit key is made (server/safeguarding/audit.py explains why only then).
    # Plain ADD COLUMNs (no batch mode: it would copy the tables on SQLite).
    op.add_column("audit", sa.Column("mac", sa.String(64), nullable=True))
    op.add_column("audit_head", sa.Column("mac", sa.String(64), nullable=True))
    # One row, rewritten by every readiness probe: a real write, so /readyz fails
    # while the database does not take writes (full disk, read-only, a held lock).
    health = op.create_table(
        "health",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.bulk_insert(health, [{"id": 1, "checked_at": datetime(2026, 12, 16, tzinfo=UTC)}])


def downgrade() -> None:
    op.drop_table("health")
    op.drop_column("audit_head", "mac")
    op.drop_column("audit", "mac")
