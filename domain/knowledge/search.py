"""Hybrid retrieval: pgvector similarity (HNSW, cosine, iterative scans) fused with PostgreSQL full-text
ranking by reciprocal rank fusion, tenant-scoped (explicit filter + RLS)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.errors import ValidationFailed
from domain.knowledge.models import SOURCES
from domain.uow import fetch_sql

if TYPE_CHECKING:
    from domain.ai.gateway import Gateway
    from domain.uow import Transaction, UnitOfWork

RRF_K = 10  # a small constant: with 40 candidates a leg, the top ranks of either leg should count most
CANDIDATES = 40
# Iterative scans keep a tenant-filtered HNSW search returning k rows in a big shared index.
HNSW_SETTINGS = ("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true), "
                 "set_config('hnsw.ef_search', $1, true), set_config('hnsw.max_scan_tuples', '40000', true)")

VECTOR_SQL = """
SELECT id, source, source_id, title, content, link, embedding <=> $2::vector AS distance
  FROM knowledge_chunks
 WHERE tenant_id = $1 AND source = ANY($3::text[]) AND embedding_model = $5
 ORDER BY embedding <=> $2::vector LIMIT $4
"""
# Any of the question's words (OR), ranked by cover density: a question in natural language rarely has
# every one of its words in the passage that answers it.
TEXT_SQL = """
WITH q AS (
  SELECT to_tsquery('simple', string_agg(chr(39) || replace(l, chr(39), chr(39) || chr(39)) || chr(39), ' | '))
         AS query
    FROM unnest(tsvector_to_array(to_tsvector('english', $2))) AS l
)
SELECT id, source, source_id, title, content, link, ts_rank_cd(search, q.query) AS rank
  FROM knowledge_chunks, q
 WHERE tenant_id = $1 AND source = ANY($3::text[]) AND search @@ q.query
 ORDER BY rank DESC, id LIMIT $4
"""


@dataclass(frozen=True)
class Hit:
    """One retrieved passage with where it came from."""

    chunk_id: uuid.UUID
    source: str
    source_id: uuid.UUID
    title: str
    snippet: str
    link: str
    score: float


def check_query(query: str, sources: list[str] | None, first: int) -> list[str]:
    if not 1 <= len(query.strip()) <= 1000:
        raise ValidationFailed("Query must be 1-1000 characters.", field="query")
    if not 1 <= first <= 50:
        raise ValidationFailed("first must be between 1 and 50.", field="first")
    chosen = sources or list(SOURCES)
    if unknown := set(chosen) - set(SOURCES):
        raise ValidationFailed(f"Unknown sources: {', '.join(sorted(unknown))}.", field="sources")
    return chosen


def vector_literal(vector: list[float]) -> str:
    return "[" + ",".join(f"{v:.6g}" for v in vector) + "]"


async def vector_hits(tx: Transaction, *, vector: list[float], model_key: str, sources: list[str], k: int,
                      ef_search: int = 100) -> list:
    """The ``k`` nearest chunks of the tenant embedded by ``model_key`` (HNSW with iterative scan)."""
    await fetch_sql(tx.session, HNSW_SETTINGS, str(max(ef_search, k)))
    return await fetch_sql(tx.session, VECTOR_SQL, tx.tenant_id, vector_literal(vector), sources, k, model_key)


async def text_hits(tx: Transaction, *, query: str, sources: list[str], k: int) -> list:
    """The ``k`` best full-text matches of the tenant."""
    return await fetch_sql(tx.session, TEXT_SQL, tx.tenant_id, query, sources, k)


def fuse(*rankings: list, first: int) -> list[Hit]:
    """Reciprocal rank fusion of ranked row lists."""
    scores: dict[uuid.UUID, float] = {}
    rows: dict[uuid.UUID, object] = {}
    for ranking in rankings:
        for position, row in enumerate(ranking):
            scores[row["id"]] = scores.get(row["id"], 0.0) + 1.0 / (RRF_K + position + 1)
            rows.setdefault(row["id"], row)
    best = sorted(scores, key=lambda i: -scores[i])[:first]
    return [_hit(rows[i], scores[i]) for i in best]


def _hit(row, score: float) -> Hit:
    content = row["content"]
    snippet = content if len(content) <= 300 else content[:297] + "..."
    return Hit(row["id"], row["source"], row["source_id"], row["title"], snippet, row["link"], round(score, 6))


async def hybrid_hits(tx: Transaction, *, query: str, vector: list[float], model_key: str, sources: list[str],
                      first: int) -> list[Hit]:
    """Vector and full-text candidates fused; both legs in the caller's tenant transaction."""
    by_vector = await vector_hits(tx, vector=vector, model_key=model_key, sources=sources, k=max(CANDIDATES, first))
    by_text = await text_hits(tx, query=query, sources=sources, k=max(CANDIDATES, first))
    return fuse(by_vector, by_text, first=first)


async def search(*, gateway: Gateway, db: UnitOfWork, tenant_id: uuid.UUID, actor: str, query: str,
                 sources: list[str] | None = None, first: int = 10) -> list[Hit]:
    """Search the tenant's knowledge: the query is embedded through the gateway, then hybrid retrieval."""
    chosen = check_query(query, sources, first)
    embedded = await gateway.embed(tenant_id=tenant_id, actor=actor, texts=[query])
    async with db.transaction(tenant_id=tenant_id) as tx:
        return await hybrid_hits(tx, query=query, vector=embedded.vectors[0], model_key=embedded.model_key,
                                 sources=chosen, first=first)
