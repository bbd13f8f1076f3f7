from __future__ import annotations

import strawberry

from domain.knowledge import articles
from resolvers.errors import Deleted, DeletePayload, mutate, payload_union
from resolvers.ids import parse_id
from resolvers.knowledge.types import KbArticle, KbArticleInput, KbArticleSaved

KbArticlePayload = payload_union("KbArticlePayload", KbArticleSaved)


def _saved(article) -> KbArticleSaved:
    return KbArticleSaved(article=KbArticle.from_model(article))


async def create_kb_article(info: strawberry.Info, input: KbArticleInput) -> KbArticlePayload:
    """Write an article; it is indexed for search in the background."""
    return await mutate(info, lambda tx: articles.create_article(
        tx, title=input.title, body=input.body, tags=input.tags, actor=info.context.actor.actor), _saved)


async def update_kb_article(info: strawberry.Info, id: strawberry.ID, input: KbArticleInput) -> KbArticlePayload:
    """Save a new version of an article; it is re-indexed in the background."""
    return await mutate(info, lambda tx: articles.update_article(
        tx, article_id=parse_id(id), title=input.title, body=input.body, tags=input.tags,
        expected_version=input.expected_version, actor=info.context.actor.actor), _saved)


async def delete_kb_article(info: strawberry.Info, id: strawberry.ID) -> DeletePayload:
    """Delete an article, its versions and its search chunks."""
    return await mutate(info, lambda tx: articles.delete_article(tx, article_id=parse_id(id),
                                                                 actor=info.context.actor.actor),
                        lambda deleted: Deleted(id=strawberry.ID(str(deleted))))
