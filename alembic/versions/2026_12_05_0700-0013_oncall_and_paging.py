"""on-call and paging: schedules, overrides, escalation policies, service policies, notification rules,
incident escalations and pages

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op
from domain.rls import drop_tenant_rls_sql, tenant_rls_sql

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('oncall_schedules', 'oncall_overrides', 'escalation_policies', 'service_escalation_policies',
          'notification_rules', 'incident_escalations', 'pages', 'oncall_user_feeds')


def _tenant(table: str) -> sa.Column:
    return sa.Column('tenant_id', sa.Uuid(), sa.ForeignKey('tenants.id', name=f'fk_{table}_tenant_id_tenants',
                                                           ondelete='CASCADE'), nullable=False)


def _created() -> sa.Column:
    return sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False)


def _fk(table: str, column: str, target: str, ondelete: str = 'CASCADE', nullable: bool = False) -> sa.Column:
    return sa.Column(column, sa.Uuid(), sa.ForeignKey(f'{target}.id', name=f'fk_{table}_{column}_{target}',
                                                      ondelete=ondelete), nullable=nullable)


def _check(table: str, name: str, sql: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(sql, name=f'ck_{table}_{name}')


def upgrade() -> None:
    op.create_table('oncall_schedules',
        sa.Column('id', sa.Uuid(), nullable=False), _tenant('oncall_schedules'),
        sa.Column('name', sa.String(200), nullable=False), sa.Column('time_zone', sa.String(64), nullable=False),
        sa.Column('layers', postgresql.JSONB(), server_default='[]', nullable=False),
        sa.Column('feed_token', sa.String(64), nullable=False), _created(),
        sa.PrimaryKeyConstraint('id', name='pk_oncall_schedules'))
    op.create_index('uq_oncall_schedules_name', 'oncall_schedules', ['tenant_id', 'name'], unique=True)
    op.create_index('uq_oncall_schedules_feed_token', 'oncall_schedules', ['feed_token'], unique=True)
    op.create_table('oncall_overrides',
        sa.Column('id', sa.Uuid(), nullable=False), _tenant('oncall_overrides'),
        _fk('oncall_overrides', 'schedule_id', 'oncall_schedules'), _fk('oncall_overrides', 'user_id', 'users'),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False), _created(),
        _check('oncall_overrides', 'period', 'ends_at > starts_at'),
        sa.PrimaryKeyConstraint('id', name='pk_oncall_overrides'))
    op.create_index('ix_oncall_overrides_schedule', 'oncall_overrides', ['tenant_id', 'schedule_id', 'ends_at'])
    op.create_table('escalation_policies',
        sa.Column('id', sa.Uuid(), nullable=False), _tenant('escalation_policies'),
        sa.Column('name', sa.String(200), nullable=False),
        sa.Column('repeat', sa.Integer(), server_default='0', nullable=False),
        sa.Column('levels', postgresql.JSONB(), server_default='[]', nullable=False), _created(),
        _check('escalation_policies', 'repeat', 'repeat BETWEEN 0 AND 9'),
        sa.PrimaryKeyConstraint('id', name='pk_escalation_policies'))
    op.create_index('uq_escalation_policies_name', 'escalation_policies', ['tenant_id', 'name'], unique=True)
    op.create_table('service_escalation_policies',
        _tenant('service_escalation_policies'), sa.Column('service', sa.String(200), nullable=False),
        _fk('service_escalation_policies', 'policy_id', 'escalation_policies'),
        sa.PrimaryKeyConstraint('tenant_id', 'service', name='pk_service_escalation_policies'))
    _upgrade_paging()
    for table in TABLES:
        for statement in tenant_rls_sql(table):
            op.execute(statement)


def _upgrade_paging() -> None:
    op.create_table('notification_rules',
        sa.Column('id', sa.Uuid(), nullable=False), _tenant('notification_rules'),
        _fk('notification_rules', 'user_id', 'users'),
        sa.Column('urgency', sa.String(8), nullable=False), sa.Column('channel', sa.String(16), nullable=False),
        sa.Column('address', sa.String(2000), nullable=False),
        sa.Column('delay_seconds', sa.Integer(), server_default='0', nullable=False), _created(),
        _check('notification_rules', 'channel', "channel IN ('email', 'slack', 'teams', 'webhook', 'sms', 'voice')"),
        _check('notification_rules', 'urgency', "urgency IN ('high', 'low')"),
        _check('notification_rules', 'delay', 'delay_seconds BETWEEN 0 AND 86400'),
        sa.PrimaryKeyConstraint('id', name='pk_notification_rules'))
    op.create_index('ix_notification_rules_user', 'notification_rules', ['tenant_id', 'user_id'])
    op.create_table('incident_escalations',
        _fk('incident_escalations', 'incident_id', 'incidents'), _tenant('incident_escalations'),
        _fk('incident_escalations', 'policy_id', 'escalation_policies'),
        sa.Column('generation', sa.Integer(), server_default='1', nullable=False),
        sa.Column('level', sa.Integer(), server_default='0', nullable=False),
        sa.Column('round', sa.Integer(), server_default='0', nullable=False),
        _fk('incident_escalations', 'assignee_id', 'users', ondelete='SET NULL', nullable=True),
        sa.Column('status', sa.String(16), server_default='active', nullable=False),
        sa.Column('next_step_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        _check('incident_escalations', 'status', "status IN ('active', 'acknowledged', 'resolved', 'exhausted')"),
        sa.PrimaryKeyConstraint('incident_id', name='pk_incident_escalations'))
    op.create_table('pages',
        sa.Column('id', sa.Uuid(), nullable=False), _tenant('pages'),
        _fk('pages', 'incident_id', 'incidents'), _fk('pages', 'user_id', 'users'),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in ('generation', 'level', 'round')),
        sa.Column('channel', sa.String(16), nullable=False), sa.Column('address', sa.String(2000), nullable=False),
        sa.Column('urgency', sa.String(8), nullable=False),
        sa.Column('status', sa.String(16), server_default='pending', nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('provider_answer', sa.Text(), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True), _created(),
        _check('pages', 'status', "status IN ('pending', 'sent', 'failed', 'cancelled', 'digested')"),
        sa.PrimaryKeyConstraint('id', name='pk_pages'))
    op.create_index('uq_pages_step', 'pages', ['tenant_id', 'incident_id', 'generation', 'level', 'round', 'user_id',
                                               'channel', 'address'], unique=True)
    op.create_index('ix_pages_user_created', 'pages', ['tenant_id', 'user_id', 'created_at'])
    op.create_table('oncall_user_feeds',
        _tenant('oncall_user_feeds'), _fk('oncall_user_feeds', 'user_id', 'users'),
        sa.Column('token', sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint('tenant_id', 'user_id', name='pk_oncall_user_feeds'))
    op.create_index('uq_oncall_user_feeds_token', 'oncall_user_feeds', ['token'], unique=True)


def downgrade() -> None:
    for table in reversed(TABLES):
        for statement in drop_tenant_rls_sql(table):
            op.execute(statement)
        op.drop_table(table)
