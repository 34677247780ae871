"""HR import: which fields of a person came from HR, when they left, and uploads kept between preview and commit.

Revision ID: 0005
Revises: 0008
Create Date: 2026-11-29

"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hr_fields", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("hr_updated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("left_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "people_upload",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("leavers_absent", sa.Boolean(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["person.id"], name=op.f("fk_people_upload_uploaded_by_id_person"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people_upload")),
    )


def downgrade():
    op.drop_table("people_upload")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("left_at")
        batch_op.drop_column("hr_updated_at")
        batch_op.drop_column("hr_fields")
