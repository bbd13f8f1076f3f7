"""Knowledge: KB articles with their versions, and the embedded chunks every source is searched by."""

from __future__ import annotations

import uuid
from datetime import datetime

from pgvector.sqlalchemy import Vector
from sqlalchemy import Computed, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, TenantScoped, Timestamped, new_id

DIMENSIONS = 384  # the index's vector space; embedding models must produce this many dimensions
SOURCES = ("article", "incident", "runbook", "rca")


class KbArticle(TenantScoped, Timestamped, Base):
    """A knowledge-base article (markdown); every save adds a version."""

    __tablename__ = "kb_articles"
    __table_args__ = (Index("ix_kb_articles_tenant_updated", "tenant_id", "updated_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(50)), server_default="{}")
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    updated_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class KbArticleVersion(TenantScoped, Timestamped, Base):
    """One saved state of an article."""

    __tablename__ = "kb_article_versions"
    __table_args__ = (Index("uq_kb_article_versions_article", "article_id", "version", unique=True),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    article_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    edited_by: Mapped[str] = mapped_column(String(320))


class KnowledgeChunk(TenantScoped, Base):
    """A passage of a source, with its embedding and the model that made it."""

    __tablename__ = "knowledge_chunks"
    __table_args__ = (
        Index("ix_knowledge_chunks_source", "tenant_id", "source", "source_id"),
        Index("ix_knowledge_chunks_embedding", "embedding", postgresql_using="hnsw",
              postgresql_with={"m": 16, "ef_construction": 64},
              postgresql_ops={"embedding": "vector_cosine_ops"}),
        Index("ix_knowledge_chunks_search", "search", postgresql_using="gin"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    source: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[uuid.UUID]
    ordinal: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300))
    search: Mapped[str] = mapped_column(
        TSVECTOR, Computed("to_tsvector('english', title || ' ' || content)", persisted=True))
    embedding: Mapped[list[float] | None] = mapped_column(Vector(DIMENSIONS))
    embedding_model: Mapped[str | None] = mapped_column(String(200))
    dimensions: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
