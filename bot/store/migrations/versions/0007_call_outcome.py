"""contact_attempts.call_outcome: answered, voicemail, no_answer, busy, failed or
hung_up_early for a call (issue 15), shown by `export contacts`

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contact_attempts') as batch:
        batch.add_column(sa.Column('call_outcome', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('contact_attempts') as batch:
        batch.drop_column('call_outcome')
