"""incidents: lifecycle, responders, links, timeline stream, postmortems

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 23:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op
from domain.rls import drop_tenant_rls_sql, tenant_rls_sql

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("incident_streams", "incidents", "incident_links", "incident_responders", "incident_timeline",
          "postmortem_action_items", "postmortems")


def upgrade() -> None:
    op.create_table('incident_streams',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('last_number', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_incident_streams_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_incident_streams'))
    )
    op.create_table('incidents',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('priority', sa.String(length=4), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='triggered', nullable=False),
    sa.Column('source', sa.String(length=64), server_default='manual', nullable=False),
    sa.Column('fingerprint', sa.String(length=200), nullable=True),
    sa.Column('labels', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('services', postgresql.ARRAY(sa.String(length=200)), server_default='{}', nullable=False),
    sa.Column('assignee_id', sa.Uuid(), nullable=True),
    sa.Column('merged_into_id', sa.Uuid(), nullable=True),
    sa.Column('alert_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('investigating_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("priority IN ('P1', 'P2', 'P3', 'P4', 'P5')", name=op.f('ck_incidents_priority')),
    sa.CheckConstraint("severity IN ('SEV1', 'SEV2', 'SEV3', 'SEV4')", name=op.f('ck_incidents_severity')),
    sa.CheckConstraint("status IN ('triggered', 'open', 'investigating', 'resolved', 'closed')", name=op.f('ck_incidents_status')),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_incidents_assignee_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['incidents.id'], name=op.f('fk_incidents_merged_into_id_incidents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_incidents_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents'))
    )
    op.create_index('ix_incidents_services', 'incidents', ['services'], unique=False, postgresql_using='gin')
    op.create_index('ix_incidents_tenant_assignee', 'incidents', ['tenant_id', 'assignee_id'], unique=False)
    op.create_index('ix_incidents_tenant_created', 'incidents', ['tenant_id', 'created_at', 'id'], unique=False)
    op.create_index('ix_incidents_tenant_fingerprint', 'incidents', ['tenant_id', 'fingerprint'], unique=False, postgresql_where=sa.text("status IN ('triggered', 'open', 'investigating')"))
    op.create_index('ix_incidents_tenant_status', 'incidents', ['tenant_id', 'status'], unique=False)
    op.create_index('ix_incidents_title_trgm', 'incidents', ['title'], unique=False, postgresql_using='gin', postgresql_ops={'title': 'gin_trgm_ops'})
    op.create_index('uq_incidents_tenant_number', 'incidents', ['tenant_id', 'number'], unique=True)
    op.create_table('incident_links',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('from_id', sa.Uuid(), nullable=False),
    sa.Column('to_id', sa.Uuid(), nullable=False),
    sa.Column('reason', sa.String(length=500), server_default='', nullable=False),
    sa.Column('source', sa.String(length=100), server_default='manual', nullable=False),
    sa.Column('confidence', sa.Double(), nullable=True),
    sa.Column('created_by', sa.String(length=320), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('parent', 'related')", name=op.f('ck_incident_links_kind')),
    sa.CheckConstraint('from_id <> to_id', name=op.f('ck_incident_links_not_self')),
    sa.ForeignKeyConstraint(['from_id'], ['incidents.id'], name=op.f('fk_incident_links_from_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_incident_links_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_id'], ['incidents.id'], name=op.f('fk_incident_links_to_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_links'))
    )
    op.create_index('ix_incident_links_to', 'incident_links', ['tenant_id', 'to_id'], unique=False)
    op.create_index('uq_incident_links_one_parent', 'incident_links', ['tenant_id', 'to_id'], unique=True, postgresql_where=sa.text("kind = 'parent'"))
    op.create_index('uq_incident_links_pair', 'incident_links', ['tenant_id', 'from_id', 'to_id'], unique=True)
    op.create_table('incident_responders',
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('commander', 'communications', 'responder')", name=op.f('ck_incident_responders_role')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_responders_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_incident_responders_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_incident_responders_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('incident_id', 'user_id', name=op.f('pk_incident_responders'))
    )
    op.create_table('incident_timeline',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('stream_seq', sa.BigInteger(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor', sa.String(length=320), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_timeline_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_incident_timeline_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_timeline'))
    )
    op.create_index('ix_incident_timeline_incident', 'incident_timeline', ['tenant_id', 'incident_id', 'stream_seq'], unique=False)
    op.create_index('uq_incident_timeline_stream', 'incident_timeline', ['tenant_id', 'stream_seq'], unique=True)
    op.create_table('postmortem_action_items',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), server_default='open', nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('open', 'done', 'wont_do')", name=op.f('ck_postmortem_action_items_status')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_postmortem_action_items_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_postmortem_action_items_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_postmortem_action_items_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_postmortem_action_items'))
    )
    op.create_index('ix_postmortem_action_items_incident', 'postmortem_action_items', ['tenant_id', 'incident_id'], unique=False)
    op.create_table('postmortems',
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('summary', sa.Text(), server_default='', nullable=False),
    sa.Column('impact', sa.Text(), server_default='', nullable=False),
    sa.Column('root_cause', sa.Text(), server_default='', nullable=False),
    sa.Column('lessons', sa.Text(), server_default='', nullable=False),
    sa.Column('status', sa.String(length=16), server_default='draft', nullable=False),
    sa.Column('updated_by', sa.String(length=320), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'published')", name=op.f('ck_postmortems_status')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_postmortems_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_postmortems_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('incident_id', name=op.f('pk_postmortems'))
    )
    for table in TABLES:
        for statement in tenant_rls_sql(table):
            op.execute(statement)
    # the timeline is immutable for the application
    op.execute(f'REVOKE UPDATE, DELETE ON incident_timeline FROM "{op.get_context().config.attributes["app_role"]}"')


def downgrade() -> None:
    for table in TABLES:
        for statement in drop_tenant_rls_sql(table):
            op.execute(statement)
    op.drop_table('postmortems')
    op.drop_index('ix_postmortem_action_items_incident', table_name='postmortem_action_items')
    op.drop_table('postmortem_action_items')
    op.drop_index('uq_incident_timeline_stream', table_name='incident_timeline')
    op.drop_index('ix_incident_timeline_incident', table_name='incident_timeline')
    op.drop_table('incident_timeline')
    op.drop_table('incident_responders')
    op.drop_index('uq_incident_links_pair', table_name='incident_links')
    op.drop_index('uq_incident_links_one_parent', table_name='incident_links', postgresql_where=sa.text("kind = 'parent'"))
    op.drop_index('ix_incident_links_to', table_name='incident_links')
    op.drop_table('incident_links')
    op.drop_index('uq_incidents_tenant_number', table_name='incidents')
    op.drop_index('ix_incidents_title_trgm', table_name='incidents', postgresql_using='gin', postgresql_ops={'title': 'gin_trgm_ops'})
    op.drop_index('ix_incidents_tenant_status', table_name='incidents')
    op.drop_index('ix_incidents_tenant_fingerprint', table_name='incidents', postgresql_where=sa.text("status IN ('triggered', 'open', 'investigating')"))
    op.drop_index('ix_incidents_tenant_created', table_name='incidents')
    op.drop_index('ix_incidents_tenant_assignee', table_name='incidents')
    op.drop_index('ix_incidents_services', table_name='incidents', postgresql_using='gin')
    op.drop_table('incidents')
    op.drop_table('incident_streams')
