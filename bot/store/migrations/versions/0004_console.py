"""console: agents, console sessions, handoff routing

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

import bot.store.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('languages', bot.store.types.JSONText(), nullable=False),
    sa.Column('packs', bot.store.types.JSONText(), nullable=False),
    sa.Column('skills', bot.store.types.JSONText(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', bot.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', bot.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agents')),
    sa.UniqueConstraint('name', name=op.f('uq_agents_name'))
    )
    op.create_table('console_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('csrf', sa.String(length=64), nullable=False),
    sa.Column('created_at', bot.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen', bot.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', bot.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_console_sessions_agent_id_agents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_console_sessions'))
    )
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_sessions_agent_id'), ['agent_id'], unique=False)
    op.create_table('handoff_routing',
    sa.Column('handoff_id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('pack', sa.String(length=8), nullable=False),
    sa.Column('skill', sa.String(length=32), nullable=True),
    sa.Column('due_at', bot.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('assigned_at', bot.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('intents', bot.store.types.JSONText(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('call_sid', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoffs.id'], name=op.f('fk_handoff_routing_handoff_id_handoffs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('handoff_id', name=op.f('pk_handoff_routing'))
    )


def downgrade() -> None:
    op.drop_table('handoff_routing')
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_sessions_agent_id'))
    op.drop_table('console_sessions')
    op.drop_table('agents')
