"""volunteer_profiles.supervisor_id: the coordinator who supervises the volunteer

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-15
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOREIGN_KEY = "fk_volunteer_profiles_supervisor_id_staff"


def upgrade() -> None:
    # Nullable: every volunteer starts with no supervisor, so every coordinator still reads
    # their reflections, as before. On SQLite batch mode copies volunteer_profiles (SQLite
    # cannot add a foreign key to a table in place, nor drop a column that has one); no
    # table refers to volunteer_profiles, so dropping the old copy cascades nowhere (unlike
    # rooms: see 0010). On PostgreSQL these are a plain ADD COLUMN and ADD CONSTRAINT.
    with op.batch_alter_table("volunteer_profiles") as batch:
        batch.add_column(sa.Column("supervisor_id", sa.String(32), nullable=True))
        batch.create_foreign_key(FOREIGN_KEY, "staff", ["supervisor_id"], ["id"],
                                 ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("volunteer_profiles") as batch:
        batch.drop_constraint(FOREIGN_KEY, type_="foreignkey")
        batch.drop_column("supervisor_id")
