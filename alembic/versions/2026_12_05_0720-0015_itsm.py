"""itsm: changes (CAB votes, incident links, policies), SLA policies and timers, the service catalog
(items, requests, tasks) and problems

Every table is tenant-scoped with row-level security ENABLED and FORCED (USING and WITH CHECK).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op
from domain.rls import drop_tenant_rls_sql, tenant_rls_sql

TABLES = ("change_policies", "change_requests", "sla_policies", "change_incident_links", "change_votes",
          "sla_timers", "catalog_items", "problems", "service_requests", "problem_incidents", "request_tasks")
revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('change_policies',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('collision_mode', sa.String(length=8), server_default='warn', nullable=False),
    sa.Column('cab_rules', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('cab_role', sa.String(length=64), nullable=True),
    sa.Column('freeze_windows', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("collision_mode IN ('warn', 'block')", name=op.f('ck_change_policies_collision_mode')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_change_policies_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_change_policies'))
    )
    op.create_table('change_requests',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), server_default='draft', nullable=False),
    sa.Column('ci_ids', postgresql.ARRAY(sa.Uuid()), server_default='{}', nullable=False),
    sa.Column('backout_plan', sa.Text(), server_default='', nullable=False),
    sa.Column('planned_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('planned_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('risk_score', sa.Integer(), server_default='0', nullable=False),
    sa.Column('risk_reasons', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('collisions', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('requester_id', sa.Uuid(), nullable=True),
    sa.Column('requested_by', sa.String(length=320), nullable=False),
    sa.Column('cab_round', sa.Integer(), server_default='1', nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('implemented_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('history', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("state IN ('draft', 'submitted', 'assessment', 'cab_review', 'approved', 'rejected', 'scheduled', 'implementing', 'implemented', 'failed', 'rolled_back', 'closed')", name=op.f('ck_change_requests_state')),
    sa.CheckConstraint("type IN ('standard', 'normal', 'emergency')", name=op.f('ck_change_requests_type')),
    sa.CheckConstraint('planned_end IS NULL OR planned_start < planned_end', name=op.f('ck_change_requests_window')),
    sa.ForeignKeyConstraint(['requester_id'], ['users.id'], name=op.f('fk_change_requests_requester_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_change_requests_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_requests'))
    )
    op.create_index('ix_change_requests_ci_ids', 'change_requests', ['ci_ids'], unique=False, postgresql_using='gin')
    op.create_index('ix_change_requests_tenant_created', 'change_requests', ['tenant_id', 'created_at', 'id'], unique=False)
    op.create_index('uq_change_requests_tenant_number', 'change_requests', ['tenant_id', 'number'], unique=True)
    op.create_table('sla_policies',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('priorities', postgresql.ARRAY(sa.String(length=4)), server_default='{}', nullable=False),
    sa.Column('services', postgresql.ARRAY(sa.String(length=200)), server_default='{}', nullable=False),
    sa.Column('response_minutes', sa.Integer(), nullable=True),
    sa.Column('resolution_minutes', sa.Integer(), nullable=True),
    sa.Column('calendar', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('pause_statuses', postgresql.ARRAY(sa.String(length=16)), server_default='{}', nullable=False),
    sa.Column('warn_percent', sa.Integer(), server_default='75', nullable=False),
    sa.Column('enabled', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('created_by', sa.String(length=320), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('response_minutes IS NOT NULL OR resolution_minutes IS NOT NULL', name=op.f('ck_sla_policies_a_target')),
    sa.CheckConstraint('warn_percent BETWEEN 1 AND 99', name=op.f('ck_sla_policies_warn_percent')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_sla_policies_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_policies'))
    )
    op.create_index('uq_sla_policies_tenant_name', 'sla_policies', ['tenant_id', 'name'], unique=True)
    op.create_table('change_incident_links',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('change_id', sa.Uuid(), nullable=False),
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=500), server_default='', nullable=False),
    sa.Column('source', sa.String(length=32), server_default='manual', nullable=False),
    sa.Column('created_by', sa.String(length=320), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('caused_by', 'resolved_by')", name=op.f('ck_change_incident_links_kind')),
    sa.ForeignKeyConstraint(['change_id'], ['change_requests.id'], name=op.f('fk_change_incident_links_change_id_change_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_change_incident_links_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_change_incident_links_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_incident_links'))
    )
    op.create_index('ix_change_incident_links_incident', 'change_incident_links', ['tenant_id', 'incident_id'], unique=False)
    op.create_index('uq_change_incident_links_pair', 'change_incident_links', ['tenant_id', 'change_id', 'incident_id', 'kind'], unique=True)
    op.create_table('change_votes',
    sa.Column('change_id', sa.Uuid(), nullable=False),
    sa.Column('cab_round', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.Uuid(), nullable=False),
    sa.Column('voter', sa.String(length=320), nullable=False),
    sa.Column('decision', sa.String(length=8), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("decision IN ('approve', 'reject')", name=op.f('ck_change_votes_decision')),
    sa.ForeignKeyConstraint(['change_id'], ['change_requests.id'], name=op.f('fk_change_votes_change_id_change_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_change_votes_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voter_id'], ['users.id'], name=op.f('fk_change_votes_voter_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('change_id', 'cab_round', 'voter_id', name=op.f('pk_change_votes'))
    )
    op.create_table('sla_timers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('policy_id', sa.Uuid(), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('metric', sa.String(length=16), nullable=False),
    sa.Column('target_seconds', sa.Integer(), nullable=False),
    sa.Column('elapsed_seconds', sa.Integer(), server_default='0', nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('running_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('warn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('warned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('breached_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("metric IN ('response', 'resolution')", name=op.f('ck_sla_timers_metric')),
    sa.ForeignKeyConstraint(['policy_id'], ['sla_policies.id'], name=op.f('fk_sla_timers_policy_id_sla_policies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['record_id'], ['incidents.id'], name=op.f('fk_sla_timers_record_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_sla_timers_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_timers'))
    )
    op.create_index('ix_sla_timers_due', 'sla_timers', ['tenant_id', 'due_at'], unique=False)
    op.create_index('ix_sla_timers_record', 'sla_timers', ['tenant_id', 'record_id'], unique=False)
    op.create_index('uq_sla_timers_target', 'sla_timers', ['tenant_id', 'policy_id', 'record_id', 'metric'], unique=True)
    op.create_table('catalog_items',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('form_schema', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('approvals_needed', sa.Integer(), server_default='0', nullable=False),
    sa.Column('tasks', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('fulfilment_minutes', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('created_by', sa.String(length=320), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('approvals_needed BETWEEN 0 AND 10', name=op.f('ck_catalog_items_approvals_needed')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_catalog_items_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_items'))
    )
    op.create_index('uq_catalog_items_tenant_name', 'catalog_items', ['tenant_id', 'name'], unique=True)
    op.create_table('problems',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('state', sa.String(length=16), server_default='open', nullable=False),
    sa.Column('root_cause', sa.Text(), server_default='', nullable=False),
    sa.Column('workaround', sa.Text(), server_default='', nullable=False),
    sa.Column('fix_change_id', sa.Uuid(), nullable=True),
    sa.Column('created_by', sa.String(length=320), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("state IN ('open', 'known_error', 'resolved', 'closed')", name=op.f('ck_problems_state')),
    sa.ForeignKeyConstraint(['fix_change_id'], ['change_requests.id'], name=op.f('fk_problems_fix_change_id_change_requests'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_problems_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problems'))
    )
    op.create_index('ix_problems_tenant_created', 'problems', ['tenant_id', 'created_at', 'id'], unique=False)
    op.create_index('uq_problems_tenant_number', 'problems', ['tenant_id', 'number'], unique=True)
    op.create_table('service_requests',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Uuid(), nullable=False),
    sa.Column('answers', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('requester_id', sa.Uuid(), nullable=True),
    sa.Column('requested_by', sa.String(length=320), nullable=False),
    sa.Column('approvals', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('breached_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fulfilled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("state IN ('awaiting_approval', 'rejected', 'in_fulfilment', 'fulfilled', 'cancelled')", name=op.f('ck_service_requests_state')),
    sa.ForeignKeyConstraint(['item_id'], ['catalog_items.id'], name=op.f('fk_service_requests_item_id_catalog_items'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['requester_id'], ['users.id'], name=op.f('fk_service_requests_requester_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_service_requests_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_requests'))
    )
    op.create_index('ix_service_requests_tenant_created', 'service_requests', ['tenant_id', 'created_at', 'id'], unique=False)
    op.create_index('uq_service_requests_tenant_number', 'service_requests', ['tenant_id', 'number'], unique=True)
    op.create_table('problem_incidents',
    sa.Column('problem_id', sa.Uuid(), nullable=False),
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('linked_by', sa.String(length=320), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_problem_incidents_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['problem_id'], ['problems.id'], name=op.f('fk_problem_incidents_problem_id_problems'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_problem_incidents_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('problem_id', 'incident_id', name=op.f('pk_problem_incidents'))
    )
    op.create_table('request_tasks',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('request_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('assignee_id', sa.Uuid(), nullable=True),
    sa.Column('team', sa.String(length=200), nullable=True),
    sa.Column('state', sa.String(length=8), server_default='open', nullable=False),
    sa.Column('done_by', sa.String(length=320), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("state IN ('open', 'done')", name=op.f('ck_request_tasks_state')),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_request_tasks_assignee_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['service_requests.id'], name=op.f('fk_request_tasks_request_id_service_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_request_tasks_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_tasks'))
    )
    op.create_index('ix_request_tasks_request', 'request_tasks', ['tenant_id', 'request_id', 'position'], unique=False)
    for table in TABLES:
        for statement in tenant_rls_sql(table):
            op.execute(statement)


def downgrade() -> None:
    for table in TABLES:
        for statement in drop_tenant_rls_sql(table):
            op.execute(statement)
    op.drop_index('ix_request_tasks_request', table_name='request_tasks')
    op.drop_table('request_tasks')
    op.drop_table('problem_incidents')
    op.drop_index('uq_service_requests_tenant_number', table_name='service_requests')
    op.drop_index('ix_service_requests_tenant_created', table_name='service_requests')
    op.drop_table('service_requests')
    op.drop_index('uq_problems_tenant_number', table_name='problems')
    op.drop_index('ix_problems_tenant_created', table_name='problems')
    op.drop_table('problems')
    op.drop_index('uq_catalog_items_tenant_name', table_name='catalog_items')
    op.drop_table('catalog_items')
    op.drop_index('uq_sla_timers_target', table_name='sla_timers')
    op.drop_index('ix_sla_timers_record', table_name='sla_timers')
    op.drop_index('ix_sla_timers_due', table_name='sla_timers')
    op.drop_table('sla_timers')
    op.drop_table('change_votes')
    op.drop_index('uq_change_incident_links_pair', table_name='change_incident_links')
    op.drop_index('ix_change_incident_links_incident', table_name='change_incident_links')
    op.drop_table('change_incident_links')
    op.drop_index('uq_sla_policies_tenant_name', table_name='sla_policies')
    op.drop_table('sla_policies')
    op.drop_index('uq_change_requests_tenant_number', table_name='change_requests')
    op.drop_index('ix_change_requests_tenant_created', table_name='change_requests')
    op.drop_index('ix_change_requests_ci_ids', table_name='change_requests', postgresql_using='gin')
    op.drop_table('change_requests')
    op.drop_table('change_policies')
