"""Exports built by a job: one row per export a manager asked for, with its text once ready.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "export_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=False),
        sa.Column("content", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohort.id"], name=op.f("fk_export_file_cohort_id_cohort"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["person.id"], name=op.f("fk_export_file_requested_by_id_person"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_file")),
    )
    with op.batch_alter_table("export_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_export_file_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_export_file_created_at"), ["created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("export_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_export_file_created_at"))
        batch_op.drop_index(batch_op.f("ix_export_file_cohort_id"))
    op.drop_table("export_file")
