"""alert deadlines in the database: due/reminded/escalated times, one escalation per alert,
and leases (one deadline sweeper per deployment)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def upgrade() -> None:
    # Plain ADD COLUMNs, never batch mode: on SQLite batch mode copies the alerts table,
    # and with foreign keys on, dropping the old copy would null every escalation's
    # alert_id (ON DELETE SET NULL). That is also why due_at stays nullable.
    op.add_column("alerts", sa.Column("due_at", TS, nullable=True))
    op.add_column("alerts", sa.Column("reminded_at", TS, nullable=True))
    op.add_column("alerts", sa.Column("escalated_at", TS, nullable=True))
    alerts = sa.table("alerts", sa.column("id", sa.String), sa.column("created_at", TS),
                      sa.column("ack_within", sa.Integer), sa.column("due_at", TS),
                      sa.column("escalated_at", TS))
    escalations = sa.table("escalations", sa.column("alert_id", sa.String),
                           sa.column("created_at", TS))
    bind = op.get_bind()
    # Date arithmetic differs between SQLite and PostgreSQL: compute due_at in Python.
    # Existing alerts left unacknowledged and never escalated (a room that ended, a
    # restart) become due, so the sweeper escalates them once after the upgrade: the
    # re-routing they should have had.
    for row in bind.execute(sa.select(alerts.c.id, alerts.c.created_at, alerts.c.ack_within)):
        due = _aware(row.created_at).astimezone(UTC) + timedelta(seconds=row.ack_within)
        bind.execute(alerts.update().where(alerts.c.id == row.id).values(due_at=due))
    first = (sa.select(sa.func.min(escalations.c.created_at))
             .where(escalations.c.alert_id == alerts.c.id).scalar_subquery())
    bind.execute(alerts.update().values(escalated_at=first))
    op.create_index("ix_alerts_waiting", "alerts", ["acked_at", "escalated_at", "due_at"])
    # At most one escalation per alert (the code always kept to it; now the database
    # does, whichever process gets there first).
    op.drop_index("ix_escalations_alert_id", table_name="escalations")
    op.create_index("ix_escalations_alert_id", "escalations", ["alert_id"], unique=True)
    op.create_table(
        "leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("leases")
    op.drop_index("ix_escalations_alert_id", table_name="escalations")
    op.create_index("ix_escalations_alert_id", "escalations", ["alert_id"])
    op.drop_index("ix_alerts_waiting", table_name="alerts")
    # SQLite has had DROP COLUMN since 3.35; no table copy (see upgrade).
    op.drop_column("alerts", "escalated_at")
    op.drop_column("alerts", "reminded_at")
    op.drop_column("alerts", "due_at")
