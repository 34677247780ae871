"""The waitlist of a published cohort: leaders waiting for a mentor.

Revision ID: 0007
Revises: 0003
Create Date: 2026-11-29

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "waitlist_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohort.id"], name=op.f("fk_waitlist_entry_cohort_id_cohort"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_waitlist_entry_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_entry")),
        sa.UniqueConstraint("cohort_id", "person_id", name=op.f("uq_waitlist_entry_cohort_id_person_id")),
    )
    with op.batch_alter_table("waitlist_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_waitlist_entry_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_waitlist_entry_person_id"), ["person_id"], unique=False)


def downgrade():
    with op.batch_alter_table("waitlist_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_waitlist_entry_person_id"))
        batch_op.drop_index(batch_op.f("ix_waitlist_entry_cohort_id"))
    op.drop_table("waitlist_entry")
