"""alerting: versioned rules, alerts with state, silences, webhook targets and deliveries

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 23:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op
from domain.rls import drop_tenant_rls_sql, tenant_rls_sql

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("alert_rules", "alert_rule_versions", "alerts", "alert_events", "silences", "notification_targets",
          "webhook_deliveries")


def upgrade() -> None:
    op.create_table('alert_rules',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('enabled', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('condition', sa.Text(), server_default='', nullable=False),
    sa.Column('window', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('service', sa.String(length=200), nullable=True),
    sa.Column('fingerprint_template', sa.String(length=500), nullable=False),
    sa.Column('group_by', postgresql.ARRAY(sa.String(length=100)), server_default='{}', nullable=False),
    sa.Column('threshold_count', sa.Integer(), server_default='1', nullable=False),
    sa.Column('auto_resolve_minutes', sa.Integer(), nullable=True),
    sa.Column('notify', postgresql.ARRAY(sa.Uuid()), server_default='{}', nullable=False),
    sa.Column('created_by', sa.String(length=320), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('event', 'metric', 'log', 'absence')", name=op.f('ck_alert_rules_kind')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_alert_rules_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_rules'))
    )
    op.create_index('uq_alert_rules_name', 'alert_rules', ['tenant_id', 'name'], unique=True)
    op.create_table('notification_targets',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('secret_sealed', sa.LargeBinary(), nullable=False),
    sa.Column('enabled', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_notification_targets_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_targets'))
    )
    op.create_index('uq_notification_targets_name', 'notification_targets', ['tenant_id', 'name'], unique=True)
    op.create_table('silences',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('matcher', sa.Text(), server_default='', nullable=False),
    sa.Column('service', sa.String(length=200), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recurrence', sa.String(length=500), nullable=True),
    sa.Column('duration_minutes', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), server_default='', nullable=False),
    sa.Column('created_by', sa.String(length=320), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_silences_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_silences'))
    )
    op.create_index('ix_silences_tenant_ends', 'silences', ['tenant_id', 'ends_at'], unique=False)
    op.create_table('alert_rule_versions',
    sa.Column('rule_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('definition', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('changed_by', sa.String(length=320), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['rule_id'], ['alert_rules.id'], name=op.f('fk_alert_rule_versions_rule_id_alert_rules'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_alert_rule_versions_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('rule_id', 'version', name=op.f('pk_alert_rule_versions'))
    )
    op.create_table('alerts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('rule_id', sa.Uuid(), nullable=False),
    sa.Column('rule_version', sa.Integer(), nullable=False),
    sa.Column('group_key', sa.String(length=500), nullable=False),
    sa.Column('fingerprint', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('labels', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('value', sa.Double(), nullable=True),
    sa.Column('first_seen', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_seen', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('firing_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('clear_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('incident_id', sa.Uuid(), nullable=True),
    sa.Column('silence_id', sa.Uuid(), nullable=True),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'firing', 'resolved', 'silenced')", name=op.f('ck_alerts_status')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_alerts_incident_id_incidents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rule_id'], ['alert_rules.id'], name=op.f('fk_alerts_rule_id_alert_rules'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_alerts_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts'))
    )
    op.create_index('ix_alerts_incident', 'alerts', ['tenant_id', 'incident_id'], unique=False)
    op.create_index('ix_alerts_tenant_status', 'alerts', ['tenant_id', 'status'], unique=False)
    op.create_index('uq_alerts_open', 'alerts', ['tenant_id', 'rule_id', 'group_key'], unique=True, postgresql_where=sa.text("status IN ('pending', 'firing', 'silenced')"))
    op.create_table('webhook_deliveries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('target_id', sa.Uuid(), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'delivered', 'failed')", name=op.f('ck_webhook_deliveries_status')),
    sa.ForeignKeyConstraint(['target_id'], ['notification_targets.id'], name=op.f('fk_webhook_deliveries_target_id_notification_targets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_webhook_deliveries_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries'))
    )
    op.create_index('ix_webhook_deliveries_target', 'webhook_deliveries', ['tenant_id', 'target_id', 'created_at'], unique=False)
    op.create_table('alert_events',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('alert_id', sa.Uuid(), nullable=False),
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_events_alert_id_alerts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_alert_events_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'alert_id', 'event_id', name=op.f('pk_alert_events'))
    )
    for table in TABLES:
        for statement in tenant_rls_sql(table):
            op.execute(statement)


def downgrade() -> None:
    for table in TABLES:
        for statement in drop_tenant_rls_sql(table):
            op.execute(statement)
    op.drop_index('ix_webhook_deliveries_target', table_name='webhook_deliveries')
    op.drop_table('alert_events')
    op.drop_table('webhook_deliveries')
    op.drop_index('uq_alerts_open', table_name='alerts', postgresql_where=sa.text("status IN ('pending', 'firing', 'silenced')"))
    op.drop_index('ix_alerts_tenant_status', table_name='alerts')
    op.drop_index('ix_alerts_incident', table_name='alerts')
    op.drop_table('alerts')
    op.drop_table('alert_rule_versions')
    op.drop_index('ix_silences_tenant_ends', table_name='silences')
    op.drop_table('silences')
    op.drop_index('uq_notification_targets_name', table_name='notification_targets')
    op.drop_table('notification_targets')
    op.drop_index('uq_alert_rules_name', table_name='alert_rules')
    op.drop_table('alert_rules')
