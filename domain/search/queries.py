"""Global search: one box that finds incidents, CIs, alert rules, changes, problems, KB articles and runbooks.

Read side only. Each kind is one small indexed-enough query (name/title ``ILIKE``, or the human
reference such as ``INC-42``) in the caller's tenant; the adapter decides which kinds the caller may read.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import distinct_on

from domain.alerting.models import AlertRule
from domain.automation.models import Runbook
from domain.changes.models import ChangeRequest
from domain.cmdb.models import ConfigurationItem
from domain.errors import ValidationFailed
from domain.incidents.models import Incident
from domain.knowledge.models import KbArticle
from domain.problems.models import Problem

if TYPE_CHECKING:
    from domain.uow import Transaction

KINDS = ("incident", "ci", "alert_rule", "change", "problem", "kb_article", "runbook")
MAX_QUERY = 200
_REFERENCE = re.compile(r"^\s*(INC|CHG|PRB)-?(\d{1,9})\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Hit:
    """One thing found: its kind, id, what to call it and a line of detail."""

    kind: str
    id: uuid.UUID
    title: str
    detail: str


def _pattern(text: str) -> str:
    """An ILIKE pattern matching ``text`` anywhere, with its own ``%``/``_``/``\\`` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _reference(text: str, prefix: str) -> int | None:
    match = _REFERENCE.match(text)
    return int(match.group(2)) if match and match.group(1).upper() == prefix else None


async def _numbered(tx: Transaction, model, prefix: str, text: str, like: str, limit: int):
    """Rows of a kind with references (INC-42, CHG-7, PRB-3): by number when ``text`` is one, else by title."""
    number = _reference(text, prefix)
    where = model.number == number if number is not None else model.title.ilike(like)
    return await tx.session.scalars(select(model).where(model.tenant_id == tx.tenant_id, where)
                                    .order_by(model.created_at.desc()).limit(limit))


async def _incidents(tx: Transaction, text: str, like: str, limit: int) -> list[Hit]:
    rows = await _numbered(tx, Incident, "INC", text, like, limit)
    return [Hit("incident", i.id, f"{i.reference} {i.title}", f"{i.severity} · {i.status}") for i in rows]


async def _changes(tx: Transaction, text: str, like: str, limit: int) -> list[Hit]:
    rows = await _numbered(tx, ChangeRequest, "CHG", text, like, limit)
    return [Hit("change", c.id, f"{c.reference} {c.title}", f"{c.type} · {c.state}") for c in rows]


async def _problems(tx: Transaction, text: str, like: str, limit: int) -> list[Hit]:
    rows = await _numbered(tx, Problem, "PRB", text, like, limit)
    return [Hit("problem", p.id, f"{p.reference} {p.title}", p.state) for p in rows]


async def _cis(tx: Transaction, text: str, like: str, limit: int) -> list[Hit]:
    rows = await tx.session.scalars(
        select(ConfigurationItem).where(ConfigurationItem.tenant_id == tx.tenant_id, ConfigurationItem.name.ilike(like))
        .order_by(func.length(ConfigurationItem.name), ConfigurationItem.name).limit(limit))
    return [Hit("ci", c.id, c.name, f"{c.class_key} · {c.environment}") for c in rows]


async def _alert_rules(tx: Transaction, text: str, like: str, limit: int) -> list[Hit]:
    rows = await tx.session.scalars(
        select(AlertRule).where(AlertRule.tenant_id == tx.tenant_id, AlertRule.name.ilike(like))
        .order_by(AlertRule.name).limit(limit))
    return [Hit("alert_rule", r.id, r.name, f"{r.kind.lower()} rule · {r.severity}") for r in rows]


async def _kb_articles(tx: Transaction, text: str, like: str, limit: int) -> list[Hit]:
    rows = await tx.session.scalars(
        select(KbArticle).where(KbArticle.tenant_id == tx.tenant_id,
                                or_(KbArticle.title.ilike(like), KbArticle.body.ilike(like)))
        .order_by(KbArticle.title.ilike(like).desc(), KbArticle.title).limit(limit))
    return [Hit("kb_article", a.id, a.title, f"KB article · version {a.version}") for a in rows]


async def _runbooks(tx: Transaction, text: str, like: str, limit: int) -> list[Hit]:
    rows = await tx.session.scalars(
        select(Runbook).where(Runbook.tenant_id == tx.tenant_id, Runbook.name.ilike(like))
        .order_by(Runbook.name, Runbook.version.desc()).ext(distinct_on(Runbook.name)).limit(limit))
    return [Hit("runbook", r.id, r.name, f"runbook v{r.version} · {r.status}") for r in rows]


_SEARCHES: dict[str, Any] = {"incident": _incidents, "ci": _cis, "alert_rule": _alert_rules, "change": _changes,
                             "problem": _problems, "kb_article": _kb_articles, "runbook": _runbooks}


async def global_search(tx: Transaction, *, text: str, kinds: tuple[str, ...], per_kind: int = 5) -> list[Hit]:
    """Up to ``per_kind`` hits of each of ``kinds`` whose name, title or reference matches ``text``."""
    query = text.strip()
    if not query:
        return []
    if len(query) > MAX_QUERY:
        raise ValidationFailed(f"Search for at most {MAX_QUERY} characters.", field="query")
    if not 1 <= per_kind <= 20:
        raise ValidationFailed("perKind must be between 1 and 20.", field="perKind")
    like = _pattern(query)
    hits: list[Hit] = []
    for kind in KINDS:
        if kind in kinds:
            hits.extend(await _SEARCHES[kind](tx, query, like, per_kind))
    return hits
