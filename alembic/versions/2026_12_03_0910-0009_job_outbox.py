"""job outbox: jobs written with the transaction that asks for them, relayed to arq until they ran

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from domain.rls import drop_tenant_rls_sql, outbox_rls_sql

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('job_outbox',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=True),
    sa.Column('job_id', sa.String(length=300), nullable=False),
    sa.Column('function', sa.String(length=100), nullable=False),
    sa.Column('queue', sa.String(length=100), nullable=False),
    sa.Column('arguments', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('relays', sa.Integer(), server_default='0', nullable=False),
    sa.Column('checks', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('available_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_job_outbox_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_outbox'))
    )
    op.create_index('ix_job_outbox_due', 'job_outbox', ['available_at'], unique=False,
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_index('ix_job_outbox_job_id', 'job_outbox', ['job_id'], unique=False)
    for statement in outbox_rls_sql("job_outbox"):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_tenant_rls_sql("job_outbox"):
        op.execute(statement)
    op.drop_index('ix_job_outbox_job_id', table_name='job_outbox')
    op.drop_index('ix_job_outbox_due', table_name='job_outbox', postgresql_where=sa.text("status = 'pending'"))
    op.drop_table('job_outbox')
