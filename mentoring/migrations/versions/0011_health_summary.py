"""Stored health summaries: a cohort's health figures and pair rows, computed by a job.

Revision ID: 0011
Revises: 0007
Create Date: 2026-11-29

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "health_summary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("fingerprint", sa.String(length=2000), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohort.id"], name=op.f("fk_health_summary_cohort_id_cohort"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_summary")),
        sa.UniqueConstraint("scope", name=op.f("uq_health_summary_scope")),
    )
    with op.batch_alter_table("health_summary", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_health_summary_cohort_id"), ["cohort_id"], unique=False)
    op.create_table(
        "health_pair_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("summary_id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attention", sa.Boolean(), nullable=False),
        sa.Column("leader_fold", sa.String(length=300), nullable=False),
        sa.Column("mentor_fold", sa.String(length=300), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("by_leader", sa.Integer(), nullable=True),
        sa.Column("by_mentor", sa.Integer(), nullable=True),
        sa.Column("by_status", sa.Integer(), nullable=True),
        sa.Column("by_held", sa.Integer(), nullable=True),
        sa.Column("by_last_held", sa.Integer(), nullable=True),
        sa.Column("by_days_since", sa.Integer(), nullable=True),
        sa.Column("by_cancelled_by_leader", sa.Integer(), nullable=True),
        sa.Column("by_cancelled_by_mentor", sa.Integer(), nullable=True),
        sa.Column("by_missed", sa.Integer(), nullable=True),
        sa.Column("by_minutes_held", sa.Integer(), nullable=True),
        sa.Column("by_mean_rating_by_leader", sa.Integer(), nullable=True),
        sa.Column("by_mean_rating_by_mentor", sa.Integer(), nullable=True),
        sa.Column("by_median_response_hours", sa.Integer(), nullable=True),
        sa.Column("by_goals_covered", sa.Integer(), nullable=True),
        sa.Column("by_fit", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["summary_id"],
            ["health_summary.id"],
            name=op.f("fk_health_pair_row_summary_id_health_summary"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_pair_row")),
    )
    with op.batch_alter_table("health_pair_row", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_health_pair_row_summary_id"), ["summary_id"], unique=False)


def downgrade():
    with op.batch_alter_table("health_pair_row", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_health_pair_row_summary_id"))
    op.drop_table("health_pair_row")
    with op.batch_alter_table("health_summary", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_health_summary_cohort_id"))
    op.drop_table("health_summary")
