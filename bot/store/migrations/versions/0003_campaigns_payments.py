"""campaigns, payments and risk tiers: the payments table and the campaign ledger

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

import bot.store.types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('amount', bot.store.types.Money(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('paid_at', bot.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reference', sa.String(length=128), nullable=False),
    sa.Column('arrangement_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', bot.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.account_id'], name=op.f('fk_payments_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['arrangement_id'], ['arrangements.id'], name=op.f('fk_payments_arrangement_id_arrangements'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('reference', name=op.f('uq_payments_reference'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_account_id'), ['account_id'], unique=False)

    op.create_table('campaign_sends',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('campaign', sa.String(length=64), nullable=False),
    sa.Column('step_key', sa.String(length=128), nullable=False),
    sa.Column('local_day', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reasons', bot.store.types.JSONText(), nullable=False),
    sa.Column('next_attempt_at', bot.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', bot.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('claimed_at', bot.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', bot.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', bot.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.account_id'], name=op.f('fk_campaign_sends_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_sends')),
    sa.UniqueConstraint('account_id', 'step_key', 'local_day', name=op.f('uq_campaign_sends_account_id_step_key_local_day'))
    )
    with op.batch_alter_table('campaign_sends', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_sends_status_next_attempt_at'), ['status', 'next_attempt_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('campaign_sends', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_sends_status_next_attempt_at'))
    op.drop_table('campaign_sends')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_account_id'))
    op.drop_table('payments')
