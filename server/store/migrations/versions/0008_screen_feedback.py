"""the risk model's signal on alerts, and facilitators' feedback on the screen

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, plain ADD COLUMN: alerts raised before the model have no signal.
    op.add_column("alerts", sa.Column("model", sa.String(300), nullable=True))
    # One row per verdict, no text and nothing identifying: counts are read by GROUP BY.
    op.create_table(
        "screen_feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("model_version", sa.String(80), nullable=False),
        sa.Column("rules", sa.String(2000), nullable=False),
        sa.Column("model_category", sa.String(40), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("screen_feedback")
    op.drop_column("alerts", "model")
