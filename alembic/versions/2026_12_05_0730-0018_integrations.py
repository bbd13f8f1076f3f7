"""integrations: drop-in alert endpoints' keys and payloads, heartbeat checks

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op
from domain.rls import credential_rls_sql, drop_tenant_rls_sql, tenant_rls_sql

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = ("integration_payloads", "heartbeats")


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f(f'fk_{table}_tenant_id_tenants'),
                                   ondelete='CASCADE')


def upgrade() -> None:
    op.create_table('integrations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('service', sa.String(length=200), nullable=True),
    sa.Column('rule_id', sa.Uuid(), nullable=False),
    sa.Column('secret_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('created_by', sa.String(length=320), nullable=False),
    sa.Column('last_received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('pagerduty', 'alertmanager', 'opsgenie', 'heartbeat')",
                       name=op.f('ck_integrations_kind')),
    sa.ForeignKeyConstraint(['rule_id'], ['alert_rules.id'], name=op.f('fk_integrations_rule_id_alert_rules'),
                            ondelete='CASCADE'),
    _tenant_fk('integrations'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integrations'))
    )
    op.create_index('uq_integrations_name', 'integrations', ['tenant_id', 'name'], unique=True)
    op.create_table('integration_payloads',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('integration_id', sa.Uuid(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('detail', sa.Text(), server_default='', nullable=False),
    sa.Column('body', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.CheckConstraint("outcome IN ('accepted', 'rejected')", name=op.f('ck_integration_payloads_outcome')),
    sa.ForeignKeyConstraint(['integration_id'], ['integrations.id'],
                            name=op.f('fk_integration_payloads_integration_id_integrations'), ondelete='CASCADE'),
    _tenant_fk('integration_payloads'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integration_payloads'))
    )
    op.create_index('ix_integration_payloads_recent', 'integration_payloads',
                    ['tenant_id', 'integration_id', 'received_at'], unique=False)
    op.create_table('heartbeats',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('integration_id', sa.Uuid(), nullable=False),
    sa.Column('interval_seconds', sa.Integer(), nullable=False),
    sa.Column('grace_seconds', sa.Integer(), server_default='0', nullable=False),
    sa.Column('state', sa.String(length=16), server_default='waiting', nullable=False),
    sa.Column('last_ping_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=320), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("state IN ('waiting', 'up', 'down')", name=op.f('ck_heartbeats_state')),
    sa.CheckConstraint('interval_seconds >= 30 AND grace_seconds >= 0', name=op.f('ck_heartbeats_timing')),
    sa.ForeignKeyConstraint(['integration_id'], ['integrations.id'],
                            name=op.f('fk_heartbeats_integration_id_integrations'), ondelete='CASCADE'),
    _tenant_fk('heartbeats'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_heartbeats'))
    )
    op.create_index('uq_heartbeats_name', 'heartbeats', ['tenant_id', 'name'], unique=True)
    for statement in credential_rls_sql("integrations"):
        op.execute(statement)
    for table in TENANT_TABLES:
        for statement in tenant_rls_sql(table):
            op.execute(statement)


def downgrade() -> None:
    for table in ("integrations", *TENANT_TABLES):
        for statement in drop_tenant_rls_sql(table):
            op.execute(statement)
    op.drop_index('uq_heartbeats_name', table_name='heartbeats')
    op.drop_table('heartbeats')
    op.drop_index('ix_integration_payloads_recent', table_name='integration_payloads')
    op.drop_table('integration_payloads')
    op.drop_index('uq_integrations_name', table_name='integrations')
    op.drop_table('integrations')
