"""Knowledge: articles with versions, indexed through the gateway, found by hybrid search, per tenant."""

import pytest
from sqlalchemy import select, text

from domain.ai.governance import ModelDraft, register_model, set_model_status, set_policy
from domain.errors import Conflict, ValidationFailed
from domain.knowledge.articles import article_versions, create_article, update_article
from domain.knowledge.chunking import chunk_text
from domain.knowledge.indexing import index_source, reembed_stale
from domain.knowledge.models import KnowledgeChunk
from domain.knowledge.search import search

REDIS = ("Redis memory pressure runbook", "When Redis evicts keys, check maxmemory and the eviction policy.\n\n"
         "Raise maxmemory or shard the cache; restart only as a last resort.")
TLS = ("Expired TLS certificate", "Renew the certificate with certbot and reload nginx.")


async def _article(db, runtime, tenant, title, body):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        article = await create_article(tx, title=title, body=body, tags=["ops"], actor="owner")
    await index_source(gateway=runtime.ai, db=db, tenant_id=tenant.tenant_id, source="article",
                       source_id=article.id)
    return article


async def test_a_saved_article_is_found_by_search_with_its_source_and_link(db, runtime, make_tenant):
    # given two articles
    tenant = await make_tenant(plan="pro")
    redis = await _article(db, runtime, tenant, *REDIS)
    await _article(db, runtime, tenant, *TLS)

    # when someone searches in their own words
    hits = await search(gateway=runtime.ai, db=db, tenant_id=tenant.tenant_id, actor="a",
                        query="redis is evicting keys", first=5)

    # then the Redis runbook comes first, with its source, title, snippet and link
    assert hits[0].source_id == redis.id and hits[0].source == "article"
    assert hits[0].title == REDIS[0] and "maxmemory" in hits[0].snippet
    assert hits[0].link == f"/console/knowledge/{redis.id}" and hits[0].score > 0


async def test_a_tenant_never_retrieves_another_tenants_chunks(db, runtime, make_tenant):
    owner, other = await make_tenant(plan="pro"), await make_tenant(plan="pro")
    await _article(db, runtime, owner, *REDIS)
    hits = await search(gateway=runtime.ai, db=db, tenant_id=other.tenant_id, actor="a", query="redis maxmemory")
    assert hits == []
    async with db.transaction(tenant_id=other.tenant_id) as tx:  # RLS is the backstop under the explicit filter
        assert await tx.session.scalar(text("SELECT count(*) FROM knowledge_chunks")) == 0


async def test_every_save_is_a_version_and_a_stale_save_is_refused(db, make_tenant):
    tenant = await make_tenant(plan="pro")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        article = await create_article(tx, title="A", body="one", tags=[], actor="owner")
        await update_article(tx, article_id=article.id, title="A", body="two", tags=[], expected_version=1,
                             actor="editor")
        with pytest.raises(Conflict, match="changed since version 1"):
            await update_article(tx, article_id=article.id, title="A", body="three", tags=[], expected_version=1,
                                 actor="late")
        versions = await article_versions(tx, article_id=article.id)
    assert [(v.version, v.body, v.edited_by) for v in versions] == [(2, "two", "editor"), (1, "one", "owner")]


async def test_an_article_without_a_title_is_refused(db, make_tenant):
    tenant = await make_tenant(plan="pro")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        with pytest.raises(ValidationFailed, match="Title must be"):
            await create_article(tx, title="  ", body="x", tags=[], actor="owner")


async def test_changing_the_embedding_model_re_embeds_instead_of_mixing_vector_spaces(db, runtime, make_tenant):
    # given a tenant's articles embedded by the default local embedder
    tenant = await make_tenant(plan="pro")
    await _article(db, runtime, tenant, *REDIS)
    key = f"local:hash-384-v2-{tenant.slug}"
    async with db.transaction(tenant_id=None) as tx:
        await register_model(tx, draft=ModelDraft(key=key, provider="local", model_id="hash-384", kind="embedding",
                                                  residency="local", dimensions=384), actor="platform")
        await set_model_status(tx, key=key, status="approved", actor="platform")

    # when the tenant routes embeddings to the new model
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await set_policy(tx, allowed_models=None, forbid_external=False, store_prompts=False,
                         routes={"embedding": [key]}, actor="owner")
    runtime.ai.catalog.invalidate()
    before = await search(gateway=runtime.ai, db=db, tenant_id=tenant.tenant_id, actor="a", query="eviction policy")
    moved = await reembed_stale(gateway=runtime.ai, db=db, tenant_id=tenant.tenant_id)
    after = await search(gateway=runtime.ai, db=db, tenant_id=tenant.tenant_id, actor="a", query="eviction policy")

    # then old vectors are not compared with new ones, every chunk now records the new model, and search works
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        models = set(await tx.session.scalars(select(KnowledgeChunk.embedding_model)))
    assert moved == 1 and models == {key}
    assert len(before) == 1  # found by full text only while the vectors were stale
    assert after and after[0].title == REDIS[0] and after[0].score > before[0].score


def test_long_documents_are_chunked_at_paragraphs_and_sentences():
    body = "\n\n".join(["First paragraph.", "A sentence that goes on. " * 50])
    chunks = chunk_text(body, max_chars=300)
    assert chunks[0].startswith("First paragraph.") and all(len(c) <= 300 for c in chunks) and len(chunks) > 3
