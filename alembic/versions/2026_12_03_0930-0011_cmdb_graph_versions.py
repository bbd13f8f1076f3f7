"""cmdb: a graph version per tenant, bumped at commit by every relationship change

Processes keep an in-memory copy of a tenant's relationship graph for impact analysis and read
this version on every call: a copy is used only while its version is current. Two triggers on
ci_relationships keep it honest whoever writes (any instance, import, discovery, a cascade from a
deleted CI):

- after each statement that inserts, deletes or re-points relationships, the transaction is
  marked dirty (``atlas.cmdb_graph_dirty``), so a walk inside it never uses or stores a copy;
- a deferred constraint trigger bumps the version once per transaction, at commit, from a global
  sequence taken under the row lock (so a tenant's versions rise in commit order, and a number a
  rolled-back transaction drew is never seen). Taking the row lock only at commit means it cannot
  deadlock with the cycle-check advisory locks or CI row locks taken earlier.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from domain.rls import drop_tenant_rls_sql, tenant_rls_sql

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MARK_DIRTY = """
CREATE FUNCTION cmdb_graph_mark_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('atlas.cmdb_graph_dirty', 'on', true);
    RETURN NULL;
END $$
"""

BUMP_VERSION = """
CREATE FUNCTION cmdb_graph_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed uuid := COALESCE(NEW.tenant_id, OLD.tenant_id);
BEGIN
    -- Once per transaction; rows of another tenant only change by cascade when that tenant is deleted.
    IF changed::text IS DISTINCT FROM NULLIF(current_setting('app.tenant_id', true), '')
       OR current_setting('atlas.cmdb_graph_bumped', true) = changed::text THEN
        RETURN NULL;
    END IF;
    INSERT INTO cmdb_graph_versions (tenant_id, version) VALUES (changed, nextval('cmdb_graph_version_seq'))
    ON CONFLICT (tenant_id) DO UPDATE SET version = nextval('cmdb_graph_version_seq');
    PERFORM set_config('atlas.cmdb_graph_bumped', changed::text, true);
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table('cmdb_graph_versions',
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_cmdb_graph_versions_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_cmdb_graph_versions'))
    )
    for statement in tenant_rls_sql("cmdb_graph_versions"):
        op.execute(statement)
    op.execute("CREATE SEQUENCE cmdb_graph_version_seq")
    op.execute(MARK_DIRTY)
    op.execute(BUMP_VERSION)
    op.execute("CREATE TRIGGER cmdb_graph_dirty AFTER INSERT OR DELETE OR UPDATE OF type, source_id, target_id "
               "ON ci_relationships FOR EACH STATEMENT EXECUTE FUNCTION cmdb_graph_mark_dirty()")
    op.execute("CREATE CONSTRAINT TRIGGER cmdb_graph_version AFTER INSERT OR DELETE OR UPDATE OF type, source_id, "
               "target_id ON ci_relationships DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
               "EXECUTE FUNCTION cmdb_graph_bump_version()")


def downgrade() -> None:
    op.execute("DROP TRIGGER cmdb_graph_version ON ci_relationships")
    op.execute("DROP TRIGGER cmdb_graph_dirty ON ci_relationships")
    op.execute("DROP FUNCTION cmdb_graph_bump_version()")
    op.execute("DROP FUNCTION cmdb_graph_mark_dirty()")
    op.execute("DROP SEQUENCE cmdb_graph_version_seq")
    for statement in drop_tenant_rls_sql("cmdb_graph_versions"):
        op.execute(statement)
    op.drop_table('cmdb_graph_versions')
