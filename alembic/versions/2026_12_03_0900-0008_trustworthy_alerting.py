"""alerting: tenant alerting settings, incident group keys, target subscriptions, alerts by fingerprint

- ``alerting_settings``: one row per tenant (reopen window, group key and window, correlation hops
  and window); forced RLS like every tenant table.
- ``incidents.group_key``: alerts of several rules for the same service (or CI) join one incident.
- ``notification_targets.event_types`` and ``scope``: which incident changes a target hears of, and of
  which incidents. Existing targets keep what they had: the incidents of rules naming them, created
  events only (``incident.created``).
- ``alerts`` by fingerprint, to find the incident an alert recurs in.
- Open alerts of incidents that are no longer active are resolved: from now on nothing counts into
  an incident that is resolved or closed.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op
from domain.rls import drop_tenant_rls_sql, tenant_rls_sql

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = "('triggered', 'open', 'investigating')"


def upgrade() -> None:
    op.create_table('alerting_settings',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('reopen_window_minutes', sa.Integer(), server_default='60', nullable=False),
    sa.Column('group_by', sa.String(length=8), server_default='service', nullable=False),
    sa.Column('group_window_minutes', sa.Integer(), server_default='10', nullable=False),
    sa.Column('correlation_hops', sa.Integer(), server_default='3', nullable=False),
    sa.Column('correlation_window_minutes', sa.Integer(), server_default='30', nullable=False),
    sa.Column('updated_by', sa.String(length=320), server_default='', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("group_by IN ('service', 'ci', 'off')", name=op.f('ck_alerting_settings_group_by')),
    sa.CheckConstraint('reopen_window_minutes BETWEEN 0 AND 10080', name=op.f('ck_alerting_settings_reopen_window')),
    sa.CheckConstraint('group_window_minutes BETWEEN 0 AND 1440', name=op.f('ck_alerting_settings_group_window')),
    sa.CheckConstraint('correlation_hops BETWEEN 1 AND 6', name=op.f('ck_alerting_settings_correlation_hops')),
    sa.CheckConstraint('correlation_window_minutes BETWEEN 1 AND 1440',
                       name=op.f('ck_alerting_settings_correlation_window')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_alerting_settings_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_alerting_settings'))
    )
    for statement in tenant_rls_sql("alerting_settings"):
        op.execute(statement)
    op.add_column('incidents', sa.Column('group_key', sa.String(length=300), nullable=True))
    op.create_index('ix_incidents_tenant_group_key', 'incidents', ['tenant_id', 'group_key'], unique=False,
                    postgresql_where=sa.text(f"status IN {ACTIVE}"))
    op.add_column('notification_targets', sa.Column('event_types', postgresql.ARRAY(sa.String(length=40)),
                                                    server_default='{}', nullable=False))
    op.add_column('notification_targets', sa.Column('scope', sa.String(length=8), server_default='all',
                                                    nullable=False))
    op.execute("UPDATE notification_targets SET scope = 'rules', event_types = '{incident.created}'")
    op.create_index('ix_alerts_tenant_fingerprint', 'alerts', ['tenant_id', 'fingerprint', 'last_seen'],
                    unique=False)
    op.execute("UPDATE alerts a SET status = 'resolved', resolved_at = now() FROM incidents i "
               f"WHERE i.id = a.incident_id AND a.status IN ('pending', 'firing') AND i.status NOT IN {ACTIVE}")


def downgrade() -> None:
    op.drop_index('ix_alerts_tenant_fingerprint', table_name='alerts')
    op.drop_column('notification_targets', 'scope')
    op.drop_column('notification_targets', 'event_types')
    op.drop_index('ix_incidents_tenant_group_key', table_name='incidents',
                  postgresql_where=sa.text(f"status IN {ACTIVE}"))
    op.drop_column('incidents', 'group_key')
    for statement in drop_tenant_rls_sql("alerting_settings"):
        op.execute(statement)
    op.drop_table('alerting_settings')
