"""Indexes for paging at company scale: people by name, departments, a run's pairs by score.

Revision ID: 0013
Revises: 0011
Create Date: 2026-11-29

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    # Lists page by lower(name), id: this index hands them over in order, so a page reads its own rows.
    op.create_index("ix_person_name_lower", "person", [sa.text("lower(name)"), "id"])
    op.create_index("ix_person_department", "person", ["department"])
    op.create_index("ix_run_pair_run_id_score", "run_pair", ["run_id", "score"])


def downgrade():
    op.drop_index("ix_run_pair_run_id_score", table_name="run_pair")
    op.drop_index("ix_person_department", table_name="person")
    op.drop_index("ix_person_name_lower", table_name="person")
