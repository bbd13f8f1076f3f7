"""KB articles: create, edit (every save is a version), delete; each change re-indexes in a worker job."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from domain.audit import service as audit
from domain.errors import NotFound, ValidationFailed
from domain.knowledge.models import KbArticle, KbArticleVersion, KnowledgeChunk
from domain.pagination import Page, paginate

if TYPE_CHECKING:
    from domain.uow import Transaction

MAX_BODY = 200_000


def _check(title: str, body: str, tags: list[str]) -> tuple[str, str, list[str]]:
    title, tags = title.strip(), sorted({t.strip().lower() for t in tags if t.strip()})
    if not 1 <= len(title) <= 200:
        raise ValidationFailed("Title must be 1-200 characters.", field="title")
    if not body.strip() or len(body) > MAX_BODY:
        raise ValidationFailed(f"Body must be 1-{MAX_BODY} characters of markdown.", field="body")
    if len(tags) > 20 or any(len(t) > 50 for t in tags):
        raise ValidationFailed("At most 20 tags of up to 50 characters.", field="tags")
    return title, body, tags


def _reindex(tx: Transaction, article: KbArticle) -> None:
    tx.enqueue("index_knowledge", tenant_id=str(tx.tenant_id), source="article", source_id=str(article.id),
               job_id=f"index:article:{article.id}:{article.version}")


async def create_article(tx: Transaction, *, title: str, body: str, tags: list[str], actor: str) -> KbArticle:
    """Write a new article (version 1) and index it."""
    title, body, tags = _check(title, body, tags)
    article = KbArticle(id=uuid.uuid4(), tenant_id=tx.tenant_id, title=title, body=body, tags=tags, version=1,
                        updated_by=actor)
    tx.session.add(article)
    tx.session.add(KbArticleVersion(tenant_id=tx.tenant_id, article_id=article.id, version=1, title=title,
                                    body=body, edited_by=actor))
    await tx.session.flush()
    _reindex(tx, article)
    await audit.record(tx, actor=actor, action="kb.article_created", target_type="kb_article",
                       target_id=str(article.id), data={"title": title})
    return article


async def update_article(tx: Transaction, *, article_id: uuid.UUID, title: str, body: str, tags: list[str],
                         expected_version: int | None, actor: str) -> KbArticle:
    """Save a new version (refused if someone saved since ``expected_version``) and re-index."""
    from domain.errors import Conflict

    title, body, tags = _check(title, body, tags)
    article = await _locked(tx, article_id)
    if expected_version is not None and expected_version != article.version:
        raise Conflict(f"The article changed since version {expected_version} (now {article.version}).",
                       field="expectedVersion")
    article.title, article.body, article.tags = title, body, tags
    article.version, article.updated_by, article.updated_at = article.version + 1, actor, datetime.now(UTC)
    tx.session.add(KbArticleVersion(tenant_id=tx.tenant_id, article_id=article.id, version=article.version,
                                    title=title, body=body, edited_by=actor))
    await tx.session.flush()
    _reindex(tx, article)
    return article


async def delete_article(tx: Transaction, *, article_id: uuid.UUID, actor: str) -> uuid.UUID:
    """Delete an article, its versions and its chunks."""
    article = await _locked(tx, article_id)
    await tx.session.execute(delete(KnowledgeChunk).where(
        KnowledgeChunk.tenant_id == tx.tenant_id, KnowledgeChunk.source == "article",
        KnowledgeChunk.source_id == article.id))
    await tx.session.delete(article)
    await audit.record(tx, actor=actor, action="kb.article_deleted", target_type="kb_article",
                       target_id=str(article_id), data={"title": article.title})
    return article_id


async def _locked(tx: Transaction, article_id: uuid.UUID) -> KbArticle:
    article = await tx.session.scalar(select(KbArticle).where(
        KbArticle.tenant_id == tx.tenant_id, KbArticle.id == article_id).with_for_update())
    if article is None:
        raise NotFound("No such article.", field="id")
    return article


async def get_article(tx: Transaction, *, article_id: uuid.UUID) -> KbArticle | None:
    return await tx.session.scalar(select(KbArticle).where(KbArticle.tenant_id == tx.tenant_id,
                                                           KbArticle.id == article_id))


async def list_articles(tx: Transaction, *, first: int | None, after: str | None) -> Page[KbArticle]:
    """Articles, most recently updated first."""
    query = select(KbArticle).where(KbArticle.tenant_id == tx.tenant_id)
    return await paginate(tx.session, query, order=[KbArticle.updated_at, KbArticle.id], first=first, after=after,
                          descending=True)


async def article_versions(tx: Transaction, *, article_id: uuid.UUID) -> list[KbArticleVersion]:
    return list(await tx.session.scalars(select(KbArticleVersion).where(
        KbArticleVersion.tenant_id == tx.tenant_id, KbArticleVersion.article_id == article_id)
        .order_by(KbArticleVersion.version.desc())))
