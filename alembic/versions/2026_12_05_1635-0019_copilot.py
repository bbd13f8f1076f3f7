"""copilot: user-private conversations and messages (RLS by tenant and owner)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 16:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op
from domain.rls import drop_tenant_rls_sql, owner_rls_sql

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("copilot_conversations", "copilot_messages")


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f(f'fk_{table}_tenant_id_tenants'),
                                   ondelete='CASCADE')


def upgrade() -> None:
    op.create_table('copilot_conversations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('incident_id', sa.Uuid(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'],
                            name=op.f('fk_copilot_conversations_incident_id_incidents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_copilot_conversations_user_id_users'),
                            ondelete='CASCADE'),
    _tenant_fk('copilot_conversations'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_copilot_conversations'))
    )
    op.create_index('ix_copilot_conversations_owner', 'copilot_conversations', ['tenant_id', 'user_id', 'updated_at'],
                    unique=False)
    op.create_table('copilot_messages',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('conversation_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('persona', sa.String(length=16), nullable=False),
    sa.Column('routed', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('status', sa.String(length=16), server_default='done', nullable=False),
    sa.Column('text', sa.Text(), server_default='', nullable=False),
    sa.Column('citations', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('grounded', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('notes', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('question_id', sa.Uuid(), nullable=True),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('user', 'assistant')", name=op.f('ck_copilot_messages_role')),
    sa.CheckConstraint("persona IN ('sre', 'secops', 'executive', 'finops')", name=op.f('ck_copilot_messages_persona')),
    sa.CheckConstraint("status IN ('pending', 'answering', 'done', 'failed')", name=op.f('ck_copilot_messages_status')),
    sa.ForeignKeyConstraint(['conversation_id'], ['copilot_conversations.id'],
                            name=op.f('fk_copilot_messages_conversation_id_copilot_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['copilot_messages.id'],
                            name=op.f('fk_copilot_messages_question_id_copilot_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_copilot_messages_user_id_users'),
                            ondelete='CASCADE'),
    _tenant_fk('copilot_messages'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_copilot_messages'))
    )
    op.create_index('ix_copilot_messages_conversation', 'copilot_messages', ['conversation_id', 'created_at'],
                    unique=False)
    for table in TABLES:
        for statement in owner_rls_sql(table):
            op.execute(statement)


def downgrade() -> None:
    for table in TABLES:
        for statement in drop_tenant_rls_sql(table):
            op.execute(statement)
    op.drop_index('ix_copilot_messages_conversation', table_name='copilot_messages')
    op.drop_table('copilot_messages')
    op.drop_index('ix_copilot_conversations_owner', table_name='copilot_conversations')
    op.drop_table('copilot_conversations')
