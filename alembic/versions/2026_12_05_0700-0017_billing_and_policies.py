"""billing and policies: each tenant's subscription state, the provider events applied, entitlement
versions; published policy versions and each tenant's stricter values

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op
from domain.rls import drop_tenant_rls_sql, tenant_rls_sql

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = ("status IN ('none', 'created', 'authenticated', 'active', 'pending', 'halted', "
             "'paused', 'cancelled', 'completed', 'expired')")


def upgrade() -> None:
    op.add_column('tenants', sa.Column('plan_overrides', postgresql.JSONB(astext_type=sa.Text()),
                                       server_default='{}', nullable=False))
    op.add_column('tenants', sa.Column('entitlements_version', sa.Integer(), server_default='1', nullable=False))
    op.create_table('billing_accounts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('plan', sa.String(length=32), nullable=True),
    sa.Column('provider', sa.String(length=16), server_default='local', nullable=False),
    sa.Column('provider_subscription_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), server_default='none', nullable=False),
    sa.Column('checkout_url', sa.String(length=500), nullable=True),
    sa.Column('current_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('current_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('grace_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_event_at', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('effective_plan', sa.String(length=32), server_default='free', nullable=False),
    sa.Column('credits_period_key', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint(_STATUSES, name=op.f('ck_billing_accounts_status')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_billing_accounts_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_accounts')),
    sa.UniqueConstraint('tenant_id', name='uq_billing_accounts_tenant_id')
    )
    op.create_index('ix_billing_accounts_provider_subscription', 'billing_accounts', ['provider_subscription_id'],
                    unique=True)
    op.create_table('billing_events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('event_id', sa.String(length=100), nullable=False),
    sa.Column('event', sa.String(length=64), nullable=False),
    sa.Column('occurred_at', sa.BigInteger(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('payment', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_billing_events_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_events')),
    sa.UniqueConstraint('event_id', name='uq_billing_events_event_id')
    )
    op.create_index('ix_billing_events_tenant_received', 'billing_events', ['tenant_id', 'received_at'], unique=False)
    op.create_table('policy_versions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('document', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('note', sa.String(length=500), server_default='', nullable=False),
    sa.Column('published_by', sa.String(length=320), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('rolled_back_to', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_versions')),
    sa.UniqueConstraint('version', name='uq_policy_versions_version')
    )
    op.create_table('tenant_policies',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tightening', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('running_version', sa.Integer(), server_default='0', nullable=False),
    sa.Column('updated_by', sa.String(length=320), server_default='', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tenant_policies_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_policies')),
    sa.UniqueConstraint('tenant_id', name='uq_tenant_policies_tenant_id')
    )
    for table in ('billing_accounts', 'billing_events', 'tenant_policies'):
        for statement in tenant_rls_sql(table):
            op.execute(statement)


def downgrade() -> None:
    for table in ('tenant_policies', 'billing_events', 'billing_accounts'):
        for statement in drop_tenant_rls_sql(table):
            op.execute(statement)
    op.drop_table('tenant_policies')
    op.drop_table('policy_versions')
    op.drop_index('ix_billing_events_tenant_received', table_name='billing_events')
    op.drop_table('billing_events')
    op.drop_index('ix_billing_accounts_provider_subscription', table_name='billing_accounts')
    op.drop_table('billing_accounts')
    op.drop_column('tenants', 'entitlements_version')
    op.drop_column('tenants', 'plan_overrides')
