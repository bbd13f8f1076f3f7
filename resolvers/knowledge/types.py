"""GraphQL types of the knowledge base and search."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.knowledge.models import KbArticle as KbArticleModel
from domain.knowledge.models import KbArticleVersion as KbArticleVersionModel
from domain.knowledge.search import Hit


@strawberry.type(description="One saved state of an article.")
class KbArticleVersion:
    version: int
    title: str
    body: str
    edited_by: str
    created_at: datetime

    @classmethod
    def from_model(cls, v: KbArticleVersionModel) -> KbArticleVersion:
        return cls(version=v.version, title=v.title, body=v.body, edited_by=v.edited_by, created_at=v.created_at)


@strawberry.type(description="A knowledge-base article (markdown).")
class KbArticle:
    id: strawberry.ID
    title: str
    body: str
    tags: list[str]
    version: int
    updated_by: str
    updated_at: datetime
    created_at: datetime

    @classmethod
    def from_model(cls, a: KbArticleModel) -> KbArticle:
        return cls(id=strawberry.ID(str(a.id)), title=a.title, body=a.body, tags=list(a.tags), version=a.version,
                   updated_by=a.updated_by, updated_at=a.updated_at, created_at=a.created_at)


@strawberry.type(description="An article with its versions, newest first.")
class KbArticleDetail:
    article: KbArticle
    versions: list[KbArticleVersion]


@strawberry.type(description="A retrieved passage: hybrid (vector + full-text) rank, with a link to its source.")
class SearchHit:
    source: str = strawberry.field(description="`article`, `incident`, `runbook` or `rca`.")
    source_id: strawberry.ID
    title: str
    snippet: str
    link: str
    score: float

    @classmethod
    def from_hit(cls, h: Hit) -> SearchHit:
        return cls(source=h.source, source_id=strawberry.ID(str(h.source_id)), title=h.title, snippet=h.snippet,
                   link=h.link, score=h.score)


@strawberry.type
class KbArticleSaved:
    article: KbArticle


@strawberry.input
class KbArticleInput:
    title: str
    body: str
    tags: list[str] = strawberry.field(default_factory=list)
    expected_version: int | None = strawberry.field(default=None, description="Refuse if someone saved since.")
