"""import records: what each object imported from PagerDuty, Opsgenie or Grafana OnCall became here

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 16:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from domain.rls import drop_tenant_rls_sql, tenant_rls_sql

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('import_records',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("source IN ('pagerduty', 'opsgenie', 'grafana-oncall')", name=op.f('ck_import_records_source')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_import_records_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_records'))
    )
    op.create_index('uq_import_records_external', 'import_records', ['tenant_id', 'source', 'kind', 'external_id'],
                    unique=True)
    for statement in tenant_rls_sql('import_records'):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_tenant_rls_sql('import_records'):
        op.execute(statement)
    op.drop_index('uq_import_records_external', table_name='import_records')
    op.drop_table('import_records')
