"""ai pipeline: one row per incident and step (RCA, runbook draft, remediation plan, verification)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op
from domain.rls import drop_tenant_rls_sql, tenant_rls_sql

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ai_pipeline_steps',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('step', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('run', sa.Integer(), server_default='0', nullable=False),
    sa.Column('wanted', sa.Integer(), server_default='1', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('result', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('error', sa.Text(), server_default='', nullable=False),
    sa.Column('dropped_hypotheses', sa.Integer(), server_default='0', nullable=False),
    sa.Column('model_key', sa.String(length=100), server_default='', nullable=False),
    sa.Column('requested_by', sa.String(length=320), server_default='system', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("step IN ('rca', 'runbook', 'remediation', 'verification')",
                       name=op.f('ck_ai_pipeline_steps_step')),
    sa.CheckConstraint("status IN ('pending', 'running', 'done', 'failed')", name=op.f('ck_ai_pipeline_steps_status')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_ai_pipeline_steps_incident_id_incidents'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ai_pipeline_steps_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ai_pipeline_steps'))
    )
    op.create_index('uq_ai_pipeline_steps_incident_step', 'ai_pipeline_steps', ['tenant_id', 'incident_id', 'step'],
                    unique=True)
    for statement in tenant_rls_sql("ai_pipeline_steps"):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_tenant_rls_sql("ai_pipeline_steps"):
        op.execute(statement)
    op.drop_index('uq_ai_pipeline_steps_incident_step', table_name='ai_pipeline_steps')
    op.drop_table('ai_pipeline_steps')
