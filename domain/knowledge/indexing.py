"""Indexing: a source's text is chunked, embedded through the AI gateway and stored with the model that
embedded it; chunks embedded by another model than the tenant's current one are re-embedded."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from domain.incidents.models import Incident, Postmortem
from domain.knowledge.chunking import chunk_text
from domain.knowledge.models import DIMENSIONS, KbArticle, KnowledgeChunk
from domain.uow import fetch_sql

if TYPE_CHECKING:
    from domain.ai.gateway import Gateway
    from domain.uow import Transaction, UnitOfWork

INDEXER = "system:indexer"


@dataclass(frozen=True)
class Document:
    """A source's searchable text and where it lives."""

    source: str
    source_id: uuid.UUID
    title: str
    text: str
    link: str


async def load_document(tx: Transaction, *, source: str, source_id: uuid.UUID) -> Document | None:
    """The current text of an article or a resolved incident (with its postmortem); None if gone."""
    if source == "article":
        article = await tx.session.get(KbArticle, source_id)
        return article and Document("article", source_id, article.title, article.body,
                                    f"/console/knowledge/{source_id}")
    if source == "incident":
        incident = await tx.session.get(Incident, source_id)
        if incident is None:
            return None
        postmortem = await tx.session.get(Postmortem, source_id)
        parts = [incident.description] + ([postmortem.summary, postmortem.impact, postmortem.root_cause,
                                            postmortem.lessons] if postmortem else [])
        return Document("incident", source_id, incident.title, "\n\n".join(p for p in parts if p) or incident.title,
                        f"/console/incidents/{source_id}")
    return None


async def index_source(*, gateway: Gateway, db: UnitOfWork, tenant_id: uuid.UUID, source: str,
                       source_id: uuid.UUID) -> int:
    """(Re)build one source's chunks; returns how many it has now (-1: superseded). Safe to run concurrently."""
    async with db.transaction(tenant_id=tenant_id) as tx:
        document = await load_document(tx, source=source, source_id=source_id)
    passages = chunk_text(document.text) if document else []
    embedded = await gateway.embed(tenant_id=tenant_id, actor=INDEXER, texts=[
        f"{document.title}\n{p}" for p in passages]) if passages else None
    async with db.transaction(tenant_id=tenant_id) as tx:
        await fetch_sql(tx.session, "SELECT pg_advisory_xact_lock(hashtext($1))", f"kb:{source}:{source_id}")
        if await load_document(tx, source=source, source_id=source_id) != document:
            return -1  # changed since it was read: the job its change enqueued indexes the new text
        await tx.session.execute(delete(KnowledgeChunk).where(
            KnowledgeChunk.tenant_id == tenant_id, KnowledgeChunk.source == source,
            KnowledgeChunk.source_id == source_id))
        for ordinal, passage in enumerate(passages):
            tx.session.add(KnowledgeChunk(
                tenant_id=tenant_id, source=source, source_id=source_id, ordinal=ordinal, title=document.title,
                content=passage, link=document.link, embedding=_checked(embedded.vectors[ordinal]),
                embedding_model=embedded.model_key, dimensions=embedded.dimensions))
    return len(passages)


def _checked(vector: list[float]) -> list[float]:
    if len(vector) != DIMENSIONS:
        raise ValueError(f"the embedding model gave {len(vector)} dimensions; the index holds {DIMENSIONS}")
    return vector


async def reembed_stale(*, gateway: Gateway, db: UnitOfWork, tenant_id: uuid.UUID, batch: int = 128) -> int:
    """Re-embed every chunk of the tenant not embedded by its current embedding model; returns how many."""
    model = await gateway.embedding_model(tenant_id=tenant_id)
    done = 0
    while True:
        async with db.transaction(tenant_id=tenant_id) as tx:
            stale = await _stale(tx, model.key, batch)
        if not stale:
            return done
        embedded = await gateway.embed(tenant_id=tenant_id, actor=INDEXER, model=model.key,
                                       texts=[f"{c.title}\n{c.content}" for c in stale])
        async with db.transaction(tenant_id=tenant_id) as tx:
            for chunk, vector in zip(stale, embedded.vectors, strict=True):
                row = await tx.session.get(KnowledgeChunk, chunk.id)
                if row is not None:
                    row.embedding, row.embedding_model = _checked(vector), model.key
                    row.dimensions = embedded.dimensions
        done += len(stale)


async def _stale(tx: Transaction, model_key: str, batch: int) -> list[KnowledgeChunk]:
    return list(await tx.session.scalars(select(KnowledgeChunk).where(
        KnowledgeChunk.tenant_id == tx.tenant_id,
        KnowledgeChunk.embedding_model.is_distinct_from(model_key)).limit(batch)))


STALE_INCIDENTS = """
SELECT i.id FROM incidents i LEFT JOIN postmortems p ON p.incident_id = i.id
 WHERE i.tenant_id = $1 AND i.resolved_at IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM knowledge_chunks c
                    WHERE c.tenant_id = $1 AND c.source = 'incident' AND c.source_id = i.id
                      AND c.updated_at >= greatest(i.resolved_at, p.updated_at))
 ORDER BY i.resolved_at DESC LIMIT $2
"""


async def stale_incidents(tx: Transaction, *, limit: int = 100) -> list[uuid.UUID]:
    """Resolved incidents whose chunks are missing or older than their resolution or postmortem."""
    return [row["id"] for row in await fetch_sql(tx.session, STALE_INCIDENTS, tx.tenant_id, limit)]
