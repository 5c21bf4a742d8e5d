"""phones.work and accounts.employer_prohibits: contact at work (issue 13 item 1)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('phones') as batch:
        batch.add_column(sa.Column('work', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('accounts') as batch:
        batch.add_column(sa.Column('employer_prohibits', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('accounts') as batch:
        batch.drop_column('employer_prohibits')
    with op.batch_alter_table('phones') as batch:
        batch.drop_column('work')
