"""telemetry: events, logs, metric points, spans (daily partitions), resources, idempotency

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op
from domain.rls import CURRENT_TENANT, drop_tenant_rls_sql, tenant_rls_sql

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTITIONED = ("events", "log_records", "metric_points", "spans")
PLAIN = ("event_incidents", "ingest_batches", "telemetry_resources")
CHECK = f"tenant_id = {CURRENT_TENANT}".replace("'", "''")  # quoted inside a PL/pgSQL string

ENSURE_PARTITIONS = f"""
CREATE FUNCTION atlas_ensure_partitions(first_day date, last_day date) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public SET timezone = 'UTC' AS $fn$
DECLARE
  parent text; day date; part text; made integer := 0;
BEGIN
  IF last_day < first_day OR last_day - first_day > 800 THEN
    RAISE EXCEPTION 'partition range % .. % is not allowed', first_day, last_day;
  END IF;
  FOREACH parent IN ARRAY ARRAY['events', 'log_records', 'metric_points', 'spans'] LOOP
    FOR day IN SELECT generate_series(first_day, last_day, interval '1 day')::date LOOP
      part := format('%s_p%s', parent, to_char(day, 'YYYYMMDD'));
      CONTINUE WHEN to_regclass(part) IS NOT NULL;
      EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                     part, parent, day::timestamptz, (day + 1)::timestamptz);
      EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', part);
      EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', part);
      EXECUTE format('CREATE POLICY tenant_isolation ON %I USING ({CHECK}) WITH CHECK ({CHECK})', part);
      made := made + 1;
    END LOOP;
  END LOOP;
  RETURN made;
END
$fn$
"""

DROP_PARTITIONS = """
CREATE FUNCTION atlas_drop_partitions_before(cutoff date) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public SET timezone = 'UTC' AS $fn$
DECLARE
  part record; dropped integer := 0;
BEGIN
  FOR part IN
    SELECT c.relname FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
     WHERE p.relname IN ('events', 'log_records', 'metric_points', 'spans')
       AND c.relname ~ '_p[0-9]{8}$'
       AND to_date(right(c.relname, 8), 'YYYYMMDD') + 1 <= cutoff
  LOOP
    EXECUTE format('DROP TABLE %I', part.relname);
    dropped := dropped + 1;
  END LOOP;
  RETURN dropped;
END
$fn$
"""


def upgrade() -> None:
    app_role = op.get_context().config.attributes["app_role"]
    op.execute("CREATE SEQUENCE telemetry_seq")
    op.create_table('events',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.BigInteger(), server_default=sa.text("nextval('telemetry_seq')"), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('dedup_key', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('message', sa.Text(), server_default='', nullable=False),
    sa.Column('service', sa.String(length=200), nullable=True),
    sa.Column('host', sa.String(length=200), nullable=True),
    sa.Column('attributes', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('resource', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'occurred_at', 'id', name=op.f('pk_events')),
    postgresql_partition_by='RANGE (occurred_at)'
    )
    op.create_index('ix_events_tenant_time', 'events', ['tenant_id', 'occurred_at'], unique=False)
    op.create_index('uq_events_dedup', 'events', ['tenant_id', 'dedup_key', 'occurred_at'], unique=True)
    op.create_table('log_records',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('ts', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.BigInteger(), server_default=sa.text("nextval('telemetry_seq')"), nullable=False),
    sa.Column('observed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('severity_number', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('severity_text', sa.String(length=16), server_default='', nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('service', sa.String(length=200), nullable=True),
    sa.Column('trace_id', sa.String(length=32), nullable=True),
    sa.Column('span_id', sa.String(length=16), nullable=True),
    sa.Column('attributes', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('resource', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('search', postgresql.TSVECTOR(), sa.Computed("to_tsvector('simple', body)", persisted=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'ts', 'id', name=op.f('pk_log_records')),
    postgresql_partition_by='RANGE (ts)'
    )
    op.create_index('ix_log_records_search', 'log_records', ['search'], unique=False, postgresql_using='gin')
    op.create_index('ix_log_records_tenant_service_ts', 'log_records', ['tenant_id', 'service', 'ts'], unique=False)
    op.create_index('ix_log_records_tenant_ts', 'log_records', ['tenant_id', 'ts'], unique=False)
    op.create_index('ix_log_records_trace', 'log_records', ['tenant_id', 'trace_id'], unique=False)
    op.create_table('metric_points',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('ts', sa.DateTime(timezone=True), nullable=False),
    sa.Column('series', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('value', sa.Double(), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=True),
    sa.Column('bucket_bounds', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('bucket_counts', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('unit', sa.String(length=32), server_default='', nullable=False),
    sa.Column('service', sa.String(length=200), nullable=True),
    sa.Column('labels', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'name', 'ts', 'series', name=op.f('pk_metric_points')),
    postgresql_partition_by='RANGE (ts)'
    )
    op.create_index('ix_metric_points_labels', 'metric_points', ['labels'], unique=False, postgresql_using='gin')
    op.create_index('ix_metric_points_series', 'metric_points', ['tenant_id', 'name', 'ts'], unique=False)
    op.create_table('spans',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('start_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('trace_id', sa.String(length=32), nullable=False),
    sa.Column('span_id', sa.String(length=16), nullable=False),
    sa.Column('parent_span_id', sa.String(length=16), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('service', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), server_default='internal', nullable=False),
    sa.Column('end_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_ms', sa.Double(), nullable=False),
    sa.Column('status_code', sa.String(length=8), server_default='unset', nullable=False),
    sa.Column('status_message', sa.Text(), server_default='', nullable=False),
    sa.Column('attributes', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('resource', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('events', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'start_time', 'trace_id', 'span_id', name=op.f('pk_spans')),
    postgresql_partition_by='RANGE (start_time)'
    )
    op.create_index('ix_spans_tenant_service_start', 'spans', ['tenant_id', 'service', 'start_time'], unique=False)
    op.create_index('ix_spans_tenant_start', 'spans', ['tenant_id', 'start_time'], unique=False)
    op.create_index('ix_spans_trace', 'spans', ['tenant_id', 'trace_id'], unique=False)
    op.create_table('event_incidents',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('rule', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_event_incidents_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'event_id', 'incident_id', name=op.f('pk_event_incidents'))
    )
    op.create_index('ix_event_incidents_incident', 'event_incidents', ['tenant_id', 'incident_id'], unique=False)
    op.create_table('ingest_batches',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('response', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('request_hash', sa.LargeBinary(length=32), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ingest_batches_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'idempotency_key', name=op.f('pk_ingest_batches'))
    )
    op.create_table('telemetry_resources',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('service', sa.String(length=200), nullable=True),
    sa.Column('host', sa.String(length=200), nullable=True),
    sa.Column('attributes', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('first_seen', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_seen', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('seen_count', sa.BigInteger(), server_default='1', nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_telemetry_resources_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_telemetry_resources'))
    )
    op.create_index('uq_telemetry_resources_key', 'telemetry_resources', ['tenant_id', 'key'], unique=True)
    for table in PLAIN + PARTITIONED:
        for statement in tenant_rls_sql(table):
            op.execute(statement)
    op.execute(ENSURE_PARTITIONS)
    op.execute(DROP_PARTITIONS)
    for function in ("atlas_ensure_partitions(date, date)", "atlas_drop_partitions_before(date)"):
        op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
        op.execute(f'GRANT EXECUTE ON FUNCTION {function} TO "{app_role}"')
    # a week back and three days ahead; the worker keeps the window moving
    op.execute("SELECT atlas_ensure_partitions((now() AT TIME ZONE 'UTC')::date - 7, (now() AT TIME ZONE 'UTC')::date + 3)")


def downgrade() -> None:
    op.execute("DROP FUNCTION atlas_drop_partitions_before(date)")
    op.execute("DROP FUNCTION atlas_ensure_partitions(date, date)")
    for table in PLAIN + PARTITIONED:
        for statement in drop_tenant_rls_sql(table):
            op.execute(statement)
    op.drop_index('uq_telemetry_resources_key', table_name='telemetry_resources')
    op.drop_table('telemetry_resources')
    op.drop_table('ingest_batches')
    op.drop_index('ix_event_incidents_incident', table_name='event_incidents')
    op.drop_table('event_incidents')
    op.drop_index('ix_spans_trace', table_name='spans')
    op.drop_index('ix_spans_tenant_start', table_name='spans')
    op.drop_index('ix_spans_tenant_service_start', table_name='spans')
    op.drop_table('spans')
    op.drop_index('ix_metric_points_series', table_name='metric_points')
    op.drop_index('ix_metric_points_labels', table_name='metric_points', postgresql_using='gin')
    op.drop_table('metric_points')
    op.drop_index('ix_log_records_trace', table_name='log_records')
    op.drop_index('ix_log_records_tenant_ts', table_name='log_records')
    op.drop_index('ix_log_records_tenant_service_ts', table_name='log_records')
    op.drop_index('ix_log_records_search', table_name='log_records', postgresql_using='gin')
    op.drop_table('log_records')
    op.drop_index('uq_events_dedup', table_name='events')
    op.drop_index('ix_events_tenant_time', table_name='events')
    op.drop_table('events')
    op.execute("DROP SEQUENCE telemetry_seq")
