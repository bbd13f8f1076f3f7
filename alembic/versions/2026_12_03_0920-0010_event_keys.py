"""event keys: ids of ingested events kept for the dedup window, so a time-less resend is stored once

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 09:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from domain.rls import drop_tenant_rls_sql, tenant_rls_sql

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('event_keys',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('first_seen', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_event_keys_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'key', name=op.f('pk_event_keys'))
    )
    op.create_index('ix_event_keys_first_seen', 'event_keys', ['first_seen'], unique=False, postgresql_using='brin')
    for statement in tenant_rls_sql("event_keys"):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_tenant_rls_sql("event_keys"):
        op.execute(statement)
    op.drop_index('ix_event_keys_first_seen', table_name='event_keys', postgresql_using='brin')
    op.drop_table('event_keys')
