"""tenant planes: the registry of tenant-plane deployments, each tenant's home plane, CP -> TP deliveries

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 01:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'tenant_planes',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('name', sa.String(length=63), nullable=False),
        sa.Column('region', sa.String(length=32), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('kind', sa.String(length=16), server_default='shared', nullable=False),
        sa.Column('status', sa.String(length=16), server_default='active', nullable=False),
        sa.Column('capacity', sa.Integer(), server_default='1000', nullable=False),
        sa.Column('version', sa.String(length=64), server_default='', nullable=False),
        sa.Column('credential_hash', sa.String(length=200), server_default='', nullable=False),
        sa.Column('last_heartbeat_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.CheckConstraint("kind IN ('shared', 'dedicated', 'byoc', 'on-prem')", name=op.f('ck_tenant_planes_kind')),
        sa.CheckConstraint("status IN ('active', 'draining', 'offline')", name=op.f('ck_tenant_planes_status')),
        sa.CheckConstraint("name ~ '^[a-z0-9][a-z0-9-]{1,62}$'", name=op.f('ck_tenant_planes_name_format')),
        sa.CheckConstraint('capacity >= 0', name=op.f('ck_tenant_planes_capacity')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_planes')),
        sa.UniqueConstraint('name', name=op.f('uq_tenant_planes_name')),
    )
    op.add_column('tenants', sa.Column('home_plane_id', sa.Uuid(), nullable=True))
    op.create_index(op.f('ix_tenants_home_plane_id'), 'tenants', ['home_plane_id'], unique=False)
    op.create_foreign_key(op.f('fk_tenants_home_plane_id_tenant_planes'), 'tenants', 'tenant_planes',
                          ['home_plane_id'], ['id'], ondelete='RESTRICT')
    op.create_table(
        'plane_deliveries',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('plane_id', sa.Uuid(), nullable=False),
        sa.Column('about_tenant_id', sa.Uuid(), nullable=True),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
        sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('last_error', sa.String(length=500), server_default='', nullable=False),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'delivered', 'failed')", name=op.f('ck_plane_deliveries_status')),
        sa.ForeignKeyConstraint(['plane_id'], ['tenant_planes.id'],
                                name=op.f('fk_plane_deliveries_plane_id_tenant_planes'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['about_tenant_id'], ['tenants.id'],
                                name=op.f('fk_plane_deliveries_about_tenant_id_tenants'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_plane_deliveries')),
        sa.UniqueConstraint('key', name=op.f('uq_plane_deliveries_key')),
    )
    op.create_index(op.f('ix_plane_deliveries_plane_id'), 'plane_deliveries', ['plane_id'], unique=False)
    op.create_index(op.f('ix_plane_deliveries_about_tenant_id'), 'plane_deliveries', ['about_tenant_id'],
                    unique=False)
    # "shared" was the only placement ever written; its name in the placement vocabulary is "pooled".
    op.execute("""UPDATE tenants SET placement = '{"model": "pooled"}'
                  WHERE placement = '{}'::jsonb OR placement->>'model' = 'shared'""")


def downgrade() -> None:
    op.execute("""UPDATE tenants SET placement = '{"model": "shared"}' WHERE placement->>'model' = 'pooled'""")
    op.drop_index(op.f('ix_plane_deliveries_about_tenant_id'), table_name='plane_deliveries')
    op.drop_index(op.f('ix_plane_deliveries_plane_id'), table_name='plane_deliveries')
    op.drop_table('plane_deliveries')
    op.drop_constraint(op.f('fk_tenants_home_plane_id_tenant_planes'), 'tenants', type_='foreignkey')
    op.drop_index(op.f('ix_tenants_home_plane_id'), table_name='tenants')
    op.drop_column('tenants', 'home_plane_id')
    op.drop_table('tenant_planes')
