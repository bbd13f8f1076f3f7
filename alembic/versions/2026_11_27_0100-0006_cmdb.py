"""cmdb: tenant CI classes, configuration items, typed relationships, CI history

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 01:02:49
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op
from domain.rls import drop_tenant_rls_sql, tenant_rls_sql

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("ci_classes", "ci_history", "configuration_items", "ci_relationships")


def upgrade() -> None:
    op.create_table('ci_classes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('parent_key', sa.String(length=64), nullable=False),
    sa.Column('attribute_schema', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('created_by', sa.String(length=320), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ci_classes_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ci_classes'))
    )
    op.create_index('uq_ci_classes_tenant_key', 'ci_classes', ['tenant_id', 'key'], unique=True)
    op.create_table('ci_history',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.BigInteger(), sa.Identity(always=True), nullable=False),
    sa.Column('ci_id', sa.Uuid(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor', sa.String(length=320), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('relationship_id', sa.Uuid(), nullable=True),
    sa.Column('before', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('after', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ci_history_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ci_history'))
    )
    op.create_index('ix_ci_history_ci', 'ci_history', ['tenant_id', 'ci_id', 'seq'], unique=False)
    op.create_table('configuration_items',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('class_key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('environment', sa.String(length=16), server_default='production', nullable=False),
    sa.Column('lifecycle_status', sa.String(length=16), server_default='active', nullable=False),
    sa.Column('owner_team', sa.String(length=200), nullable=True),
    sa.Column('source', sa.String(length=16), server_default='manual', nullable=False),
    sa.Column('attributes', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stale', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_configuration_items_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_configuration_items'))
    )
    op.create_index('ix_configuration_items_name_trgm', 'configuration_items', ['name'], unique=False, postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'})
    op.create_index('ix_configuration_items_tenant_lower_name', 'configuration_items', ['tenant_id', sa.literal_column('lower(name)')], unique=False)
    op.create_index('uq_configuration_items_class_name', 'configuration_items', ['tenant_id', 'class_key', sa.literal_column('lower(name)')], unique=True)
    op.create_table('ci_relationships',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('source_id', sa.Uuid(), nullable=False),
    sa.Column('target_id', sa.Uuid(), nullable=False),
    sa.Column('origin', sa.String(length=16), server_default='manual', nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=320), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['configuration_items.id'], name=op.f('fk_ci_relationships_source_id_configuration_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_id'], ['configuration_items.id'], name=op.f('fk_ci_relationships_target_id_configuration_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ci_relationships_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ci_relationships'))
    )
    op.create_index('ix_ci_relationships_reverse', 'ci_relationships', ['tenant_id', 'target_id', 'type', 'source_id'], unique=False)
    op.create_index('uq_ci_relationships_edge', 'ci_relationships', ['tenant_id', 'source_id', 'type', 'target_id'], unique=True)
    for table in TABLES:
        for statement in tenant_rls_sql(table):
            op.execute(statement)


def downgrade() -> None:
    for table in TABLES:
        for statement in drop_tenant_rls_sql(table):
            op.execute(statement)
    op.drop_index('uq_ci_relationships_edge', table_name='ci_relationships')
    op.drop_index('ix_ci_relationships_reverse', table_name='ci_relationships')
    op.drop_table('ci_relationships')
    op.drop_index('uq_configuration_items_class_name', table_name='configuration_items')
    op.drop_index('ix_configuration_items_tenant_lower_name', table_name='configuration_items')
    op.drop_index('ix_configuration_items_name_trgm', table_name='configuration_items', postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'})
    op.drop_table('configuration_items')
    op.drop_index('ix_ci_history_ci', table_name='ci_history')
    op.drop_table('ci_history')
    op.drop_index('uq_ci_classes_tenant_key', table_name='ci_classes')
    op.drop_table('ci_classes')
