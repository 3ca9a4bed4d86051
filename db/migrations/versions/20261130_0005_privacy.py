"""Consent as a record, and a register of erasures without personal data.

``contact.consent_state`` ("unbekannt", "erteilt", "abgelehnt") and
``contact.consent_recorded_by`` make consent a record (date, purpose, source, who recorded
it); contacts that already have a consent date count as "erteilt". ``erasure_register``
keeps, per erasure under Art. 17, only the record's id and a salted hash, so an erasure can
be applied again to an older backup that comes back.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table(
        "contact", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.add_column(
            sa.Column("consent_state", sa.String(length=20), server_default="unbekannt", nullable=False)
        )
        batch_op.add_column(sa.Column("consent_recorded_by", sa.String(length=120), nullable=True))
        batch_op.create_index(batch_op.f("ix_contact_consent_state"), ["consent_state"], unique=False)
    op.execute("UPDATE contact SET consent_state = 'erteilt' WHERE consent_date IS NOT NULL")
    op.create_table(
        "erasure_register",
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("erased_on", sa.Date(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_register")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("erasure_register", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erasure_register_fingerprint"), ["fingerprint"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("erasure_register", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erasure_register_fingerprint"))
    op.drop_table("erasure_register")
    with op.batch_alter_table(
        "contact", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_consent_state"))
        batch_op.drop_column("consent_recorded_by")
        batch_op.drop_column("consent_state")
