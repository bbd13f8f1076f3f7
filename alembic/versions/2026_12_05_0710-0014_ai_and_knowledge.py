"""ai and knowledge: model registry, tenant AI policy, credit accounts and ledger, call audit, KB articles
with versions, embedded knowledge chunks (pgvector HNSW + full text)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from pgvector.sqlalchemy import Vector
from sqlalchemy.dialects import postgresql

from alembic import op
from domain.rls import drop_tenant_rls_sql, tenant_rls_sql

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = ("ai_policies", "ai_credit_accounts", "ai_credit_ledger", "ai_calls", "kb_articles",
                 "kb_article_versions", "knowledge_chunks")
APPEND_ONLY = ("ai_credit_ledger", "ai_calls", "ai_model_changes")
SEED_MODELS = """
INSERT INTO ai_models (key, provider, model_id, kind, residency, credits_per_1k_input, credits_per_1k_output,
                       dimensions, capabilities, status)
VALUES ('local:extractive', 'local', 'extractive', 'chat', 'local', 1, 1, NULL, '{chat,tools,stream}', 'approved'),
       ('local:hash-384', 'local', 'hash-384', 'embedding', 'local', 0, 0, 384, '{embedding}', 'approved')
"""

# One statement each, so a gateway call costs one round trip to reserve and one to settle and audit. They
# run as the caller (the app role): row-level security applies; the tenant is bound exactly as the unit of
# work binds it (transaction-local), inside the statement's own transaction. Their commits are asynchronous
# (synchronous_commit off, WAL flushed within wal_writer_delay): a database crash may forget the last
# fraction of a second of reservations and audit rows, never half of one; balance and ledger stay equal.
RESERVE_FUNCTION = """
CREATE FUNCTION ai_reserve_credits(p_tenant uuid, p_request text, p_credits bigint) RETURNS bigint
LANGUAGE plpgsql SET search_path = public AS $fn$
DECLARE remaining bigint;
BEGIN
  PERFORM set_config('app.tenant_id', p_tenant::text, true);
  PERFORM set_config('synchronous_commit', 'off', true);
  UPDATE ai_credit_accounts SET balance = balance - p_credits, updated_at = now()
   WHERE tenant_id = p_tenant AND balance >= p_credits RETURNING balance INTO remaining;
  IF remaining IS NULL THEN
    RETURN NULL;
  END IF;
  INSERT INTO ai_credit_ledger (tenant_id, request_key, kind, amount, balance_after)
  VALUES (p_tenant, p_request, 'reserve', -p_credits, remaining);
  RETURN remaining;
END
$fn$
"""
SETTLE_FUNCTION = """
CREATE FUNCTION ai_settle_call(p_tenant uuid, p_request text, p_kind text, p_give_back bigint, p_call jsonb)
RETURNS bigint LANGUAGE plpgsql SET search_path = public AS $fn$
DECLARE remaining bigint;
BEGIN
  PERFORM set_config('app.tenant_id', p_tenant::text, true);
  PERFORM set_config('synchronous_commit', 'off', true);
  IF p_kind IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ai_credit_ledger
       WHERE tenant_id = p_tenant AND request_key = p_request AND kind = p_kind) THEN
    UPDATE ai_credit_accounts SET balance = balance + p_give_back, updated_at = now()
     WHERE tenant_id = p_tenant RETURNING balance INTO remaining;
    INSERT INTO ai_credit_ledger (tenant_id, request_key, kind, amount, balance_after)
    VALUES (p_tenant, p_request, p_kind, p_give_back, remaining);
  END IF;
  INSERT INTO ai_calls SELECT r.* FROM jsonb_populate_record(
    NULL::ai_calls, p_call || jsonb_build_object('tenant_id', p_tenant, 'started_at', now())) r
  ON CONFLICT (id) DO NOTHING;
  RETURN remaining;
END
$fn$
"""


def upgrade() -> None:
    app_role = op.get_context().config.attributes["app_role"]
    op.create_table('ai_models',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('model_id', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('region', sa.String(length=32), nullable=True),
    sa.Column('residency', sa.String(length=16), server_default='local', nullable=False),
    sa.Column('credits_per_1k_input', sa.Integer(), server_default='0', nullable=False),
    sa.Column('credits_per_1k_output', sa.Integer(), server_default='0', nullable=False),
    sa.Column('dimensions', sa.Integer(), nullable=True),
    sa.Column('capabilities', postgresql.ARRAY(sa.String(length=32)), server_default='{}', nullable=False),
    sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('base_url', sa.String(length=500), nullable=True),
    sa.Column('secret_name', sa.String(length=200), nullable=True),
    sa.Column('updated_by', sa.String(length=320), server_default='system', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('chat', 'embedding')", name=op.f('ck_ai_models_kind')),
    sa.CheckConstraint("provider IN ('local', 'openai', 'bedrock')", name=op.f('ck_ai_models_provider')),
    sa.CheckConstraint("status IN ('approved', 'pending', 'retired')", name=op.f('ck_ai_models_status')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_ai_models'))
    )
    op.create_table('ai_calls',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor', sa.String(length=320), nullable=False),
    sa.Column('task', sa.String(length=32), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=True),
    sa.Column('model_key', sa.String(length=200), nullable=True),
    sa.Column('input_tokens', sa.Integer(), server_default='0', nullable=False),
    sa.Column('output_tokens', sa.Integer(), server_default='0', nullable=False),
    sa.Column('credits', sa.Integer(), server_default='0', nullable=False),
    sa.Column('latency_ms', sa.Integer(), server_default='0', nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('error_code', sa.String(length=64), nullable=True),
    sa.Column('attempts', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('evidence_ids', postgresql.ARRAY(sa.String(length=200)), server_default='{}', nullable=False),
    sa.Column('prompt_hash', sa.String(length=64), nullable=True),
    sa.Column('response_hash', sa.String(length=64), nullable=True),
    sa.Column('prompt_text', sa.String(), nullable=True),
    sa.Column('response_text', sa.String(), nullable=True),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ai_calls_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ai_calls'))
    )
    op.create_index('ix_ai_calls_tenant_started', 'ai_calls', ['tenant_id', 'started_at'], unique=False)
    op.create_table('ai_credit_accounts',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('balance', sa.BigInteger(), nullable=False),
    sa.Column('period_key', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('balance >= 0', name=op.f('ck_ai_credit_accounts_balance')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ai_credit_accounts_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_ai_credit_accounts'))
    )
    op.create_table('ai_credit_ledger',
    sa.Column('seq', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('request_key', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('balance_after', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('grant', 'expire', 'reserve', 'settle', 'release')", name=op.f('ck_ai_credit_ledger_kind')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ai_credit_ledger_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_ai_credit_ledger'))
    )
    op.create_index('ix_ai_credit_ledger_tenant_seq', 'ai_credit_ledger', ['tenant_id', 'seq'], unique=False)
    op.create_index('uq_ai_credit_ledger_request', 'ai_credit_ledger', ['tenant_id', 'request_key', 'kind'], unique=True)
    op.create_table('ai_policies',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('allowed_models', postgresql.ARRAY(sa.String(length=200)), nullable=True),
    sa.Column('forbid_external', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('store_prompts', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('routes', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('updated_by', sa.String(length=320), server_default='system', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ai_policies_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_ai_policies'))
    )
    op.create_table('kb_articles',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('tags', postgresql.ARRAY(sa.String(length=50)), server_default='{}', nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('updated_by', sa.String(length=320), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_kb_articles_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_articles'))
    )
    op.create_index('ix_kb_articles_tenant_updated', 'kb_articles', ['tenant_id', 'updated_at'], unique=False)
    op.create_table('knowledge_chunks',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('source_id', sa.Uuid(), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=False),
    sa.Column('search', postgresql.TSVECTOR(), sa.Computed("to_tsvector('english', title || ' ' || content)", persisted=True), nullable=False),
    sa.Column('embedding', Vector(384), nullable=True),
    sa.Column('embedding_model', sa.String(length=200), nullable=True),
    sa.Column('dimensions', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_knowledge_chunks_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_chunks'))
    )
    op.create_index('ix_knowledge_chunks_embedding', 'knowledge_chunks', ['embedding'], unique=False, postgresql_using='hnsw', postgresql_with={'m': 16, 'ef_construction': 64}, postgresql_ops={'embedding': 'vector_cosine_ops'})
    op.create_index('ix_knowledge_chunks_search', 'knowledge_chunks', ['search'], unique=False, postgresql_using='gin')
    op.create_index('ix_knowledge_chunks_source', 'knowledge_chunks', ['tenant_id', 'source', 'source_id'], unique=False)
    op.create_table('kb_article_versions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('article_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('edited_by', sa.String(length=320), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_versions_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_kb_article_versions_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article_versions'))
    )
    op.create_index('uq_kb_article_versions_article', 'kb_article_versions', ['article_id', 'version'], unique=True)
    op.create_table('ai_model_changes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('model_key', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=320), nullable=False),
    sa.Column('before', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('after', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ai_model_changes'))
    )
    op.create_index('ix_ai_model_changes_model', 'ai_model_changes', ['model_key', 'created_at'], unique=False)
    for table in TENANT_TABLES:
        for statement in tenant_rls_sql(table):
            op.execute(statement)
    for table in APPEND_ONLY:
        op.execute(f'REVOKE UPDATE, DELETE ON {table} FROM "{app_role}"')
    op.execute(SEED_MODELS)
    op.execute(RESERVE_FUNCTION)
    op.execute(SETTLE_FUNCTION)


def downgrade() -> None:
    op.execute("DROP FUNCTION ai_settle_call(uuid, text, text, bigint, jsonb)")
    op.execute("DROP FUNCTION ai_reserve_credits(uuid, text, bigint)")
    for table in TENANT_TABLES:
        for statement in drop_tenant_rls_sql(table):
            op.execute(statement)
    for table in ("kb_article_versions", "knowledge_chunks", "kb_articles", "ai_credit_ledger", "ai_calls",
                  "ai_policies", "ai_credit_accounts", "ai_model_changes", "ai_models"):
        op.drop_table(table)
