from __future__ import annotations

import strawberry

from domain.knowledge import articles
from domain.knowledge.search import search
from resolvers.ids import parse_id
from resolvers.knowledge.types import KbArticle, KbArticleDetail, KbArticleVersion, SearchHit
from resolvers.pagination import Connection, connection


async def resolve_search(info: strawberry.Info, query: str, sources: list[str] | None = None,
                         first: int = 10) -> list[SearchHit]:
    """Hybrid search of the tenant's knowledge (articles, resolved incidents, runbooks, RCA results)."""
    context = info.context
    hits = await search(gateway=context.runtime.ai, db=context.runtime.db, tenant_id=context.tenant_id,
                        actor=context.actor.actor, query=query, sources=sources, first=first)
    return [SearchHit.from_hit(h) for h in hits]


async def resolve_kb_articles(info: strawberry.Info, first: int | None = 50,
                              after: str | None = None) -> Connection[KbArticle]:
    """Articles, most recently updated first."""
    async with info.context.transaction() as tx:
        page = await articles.list_articles(tx, first=first, after=after)
    return connection(page, KbArticle.from_model)


async def resolve_kb_article(info: strawberry.Info, id: strawberry.ID) -> KbArticleDetail | None:
    """One article with its versions."""
    article_id = parse_id(id)
    async with info.context.transaction() as tx:
        article = await articles.get_article(tx, article_id=article_id)
        if article is None:
            return None
        versions = await articles.article_versions(tx, article_id=article_id)
    return KbArticleDetail(article=KbArticle.from_model(article),
                           versions=[KbArticleVersion.from_model(v) for v in versions])
