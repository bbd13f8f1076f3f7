"""telemetry: drop the (tenant, time) indexes that the primary keys already provide

Each of events, log_records and spans had an index on (tenant_id, time) next to a primary key
that starts with the same two columns, so every ingested row paid for a second, redundant
B-tree insert. The primary keys serve the same range scans and orderings.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 02:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REDUNDANT = (("ix_events_tenant_time", "events", ["tenant_id", "occurred_at"]),
             ("ix_log_records_tenant_ts", "log_records", ["tenant_id", "ts"]),
             ("ix_spans_tenant_start", "spans", ["tenant_id", "start_time"]))


def upgrade() -> None:
    for name, table, _ in REDUNDANT:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table, columns in REDUNDANT:
        op.create_index(name, table, columns, unique=False)
