"""Job queue: matching jobs with their progress, the run lock's lease, and email delivery claims.

Revision ID: 0003
Revises: 0006
Create Date: 2026-11-29

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "run_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("repair_of", sa.JSON(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=12), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.Column("gap", sa.Float(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohort.id"], name=op.f("fk_run_job_cohort_id_cohort"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["person.id"], name=op.f("fk_run_job_requested_by_id_person"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["match_run.id"], name=op.f("fk_run_job_run_id_match_run"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_job")),
    )
    with op.batch_alter_table("run_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_run_job_cohort_id"), ["cohort_id"], unique=False)
    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.add_column(sa.Column("run_lease_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("calendar", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_column("calendar")
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claim_token")
    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.drop_column("run_lease_until")
    with op.batch_alter_table("run_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_job_cohort_id"))
    op.drop_table("run_job")
