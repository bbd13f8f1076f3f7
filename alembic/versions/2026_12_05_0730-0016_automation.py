"""automation: runbooks (versioned), workflows, runs and their steps, approvals, edge agents, run audit trail

Every table is tenant-scoped with forced RLS; ``automation_agents`` also shows one row by id before
the tenant is known (an agent presenting its key), like ``api_keys``.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op
from domain.rls import credential_rls_sql, drop_tenant_rls_sql, tenant_rls_sql

TABLES = ("runbooks", "workflows", "automation_runs", "automation_steps", "automation_approvals",
          "automation_run_events")
revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('automation_agents',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('labels', postgresql.ARRAY(sa.String(length=100)), server_default='{}', nullable=False),
    sa.Column('secret_hash', sa.LargeBinary(), nullable=False),
    sa.Column('last_heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=320), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_automation_agents_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_automation_agents'))
    )
    op.create_index('uq_automation_agents_name', 'automation_agents', ['tenant_id', 'name'], unique=True)
    op.create_table('runbooks',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('status', sa.String(length=16), server_default='draft', nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('inputs_schema', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('steps', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('created_by', sa.String(length=320), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'published', 'archived')", name=op.f('ck_runbooks_status')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_runbooks_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_runbooks'))
    )
    op.create_index('uq_runbooks_name_version', 'runbooks', ['tenant_id', 'name', 'version'], unique=True)
    op.create_table('workflows',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('trigger', sa.String(length=64), nullable=False),
    sa.Column('condition', sa.Text(), server_default='', nullable=False),
    sa.Column('schedule', sa.String(length=100), nullable=True),
    sa.Column('last_fired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('webhook_secret', sa.LargeBinary(), nullable=True),
    sa.Column('runbook_name', sa.String(length=200), nullable=False),
    sa.Column('inputs', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('enabled', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('max_concurrent', sa.Integer(), server_default='3', nullable=False),
    sa.Column('skipped', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_by', sa.String(length=320), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_workflows_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflows'))
    )
    op.create_index('ix_workflows_trigger', 'workflows', ['tenant_id', 'trigger'], unique=False)
    op.create_index('uq_workflows_name', 'workflows', ['tenant_id', 'name'], unique=True)
    op.create_table('automation_runs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('runbook_id', sa.Uuid(), nullable=False),
    sa.Column('workflow_id', sa.Uuid(), nullable=True),
    sa.Column('trigger_key', sa.String(length=300), nullable=True),
    sa.Column('status', sa.String(length=16), server_default='running', nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.Column('inputs', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('subject', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('requested_by', sa.String(length=320), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('running', 'waiting', 'succeeded', 'failed', 'cancelled')", name=op.f('ck_automation_runs_status')),
    sa.ForeignKeyConstraint(['runbook_id'], ['runbooks.id'], name=op.f('fk_automation_runs_runbook_id_runbooks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_automation_runs_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workflow_id'], ['workflows.id'], name=op.f('fk_automation_runs_workflow_id_workflows'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_automation_runs'))
    )
    op.create_index('ix_automation_runs_created', 'automation_runs', ['tenant_id', 'created_at'], unique=False)
    op.create_index('uq_automation_runs_trigger', 'automation_runs', ['tenant_id', 'workflow_id', 'trigger_key'], unique=True)
    op.create_table('automation_run_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.Uuid(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor', sa.String(length=320), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['automation_runs.id'], name=op.f('fk_automation_run_events_run_id_automation_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_automation_run_events_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_automation_run_events'))
    )
    op.create_index('ix_automation_run_events_run', 'automation_run_events', ['run_id', 'id'], unique=False)
    op.create_table('automation_steps',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('run_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('attempt', sa.Integer(), server_default='0', nullable=False),
    sa.Column('inputs', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('outputs', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=320), nullable=True),
    sa.Column('claimed_by', sa.String(length=200), nullable=True),
    sa.Column('agent_id', sa.Uuid(), nullable=True),
    sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'running', 'waiting', 'leased', 'succeeded', 'failed', 'skipped', 'cancelled')", name=op.f('ck_automation_steps_status')),
    sa.ForeignKeyConstraint(['agent_id'], ['automation_agents.id'], name=op.f('fk_automation_steps_agent_id_automation_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['automation_runs.id'], name=op.f('fk_automation_steps_run_id_automation_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_automation_steps_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_automation_steps'))
    )
    op.create_index('ix_automation_steps_agent_queue', 'automation_steps', ['tenant_id', 'status'], unique=False, postgresql_where="kind = 'agent'")
    op.create_index('uq_automation_steps_position', 'automation_steps', ['run_id', 'position'], unique=True)
    op.create_table('automation_approvals',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('run_id', sa.Uuid(), nullable=False),
    sa.Column('step_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('permission', sa.String(length=64), nullable=False),
    sa.Column('allow_requester', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('requested_by', sa.String(length=320), nullable=False),
    sa.Column('summary', sa.Text(), server_default='', nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=320), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected', 'expired')", name=op.f('ck_automation_approvals_status')),
    sa.ForeignKeyConstraint(['run_id'], ['automation_runs.id'], name=op.f('fk_automation_approvals_run_id_automation_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['step_id'], ['automation_steps.id'], name=op.f('fk_automation_approvals_step_id_automation_steps'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_automation_approvals_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_automation_approvals'))
    )
    op.create_index('ix_automation_approvals_status', 'automation_approvals', ['tenant_id', 'status'], unique=False)
    op.create_index('uq_automation_approvals_step', 'automation_approvals', ['step_id'], unique=True)
    for table in TABLES:
        for statement in tenant_rls_sql(table):
            op.execute(statement)
    for statement in credential_rls_sql("automation_agents"):
        op.execute(statement)


def downgrade() -> None:
    for table in (*TABLES, "automation_agents"):
        for statement in drop_tenant_rls_sql(table):
            op.execute(statement)
    op.drop_index('uq_automation_approvals_step', table_name='automation_approvals')
    op.drop_index('ix_automation_approvals_status', table_name='automation_approvals')
    op.drop_table('automation_approvals')
    op.drop_index('uq_automation_steps_position', table_name='automation_steps')
    op.drop_index('ix_automation_steps_agent_queue', table_name='automation_steps', postgresql_where="kind = 'agent'")
    op.drop_table('automation_steps')
    op.drop_index('ix_automation_run_events_run', table_name='automation_run_events')
    op.drop_table('automation_run_events')
    op.drop_index('uq_automation_runs_trigger', table_name='automation_runs')
    op.drop_index('ix_automation_runs_created', table_name='automation_runs')
    op.drop_table('automation_runs')
    op.drop_index('uq_workflows_name', table_name='workflows')
    op.drop_index('ix_workflows_trigger', table_name='workflows')
    op.drop_table('workflows')
    op.drop_index('uq_runbooks_name_version', table_name='runbooks')
    op.drop_table('runbooks')
    op.drop_index('uq_automation_agents_name', table_name='automation_agents')
    op.drop_table('automation_agents')
