"""Problem use cases: record a root cause, group the incidents it explains, hold the known error and
workaround, link the change that fixes it, and resolve it; resolved problems are searchable knowledge
(:func:`known_errors`) for people and the AI layer's retrieval."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select, text

from domain import clock
from domain.changes.models import ChangeRequest
from domain.errors import Conflict, NotFound, ValidationFailed
from domain.incidents.models import Incident
from domain.pagination import Page, paginate
from domain.problems.models import STATES, Problem, ProblemIncident

if TYPE_CHECKING:
    from domain.uow import Transaction

MOVES = {"open": ("known_error", "resolved"), "known_error": ("resolved",), "resolved": ("closed", "open"),
         "closed": ()}


def _text(value: str | None, name: str, high: int, *, low: int = 0) -> str:
    value = (value or "").strip()
    if not low <= len(value) <= high:
        raise ValidationFailed(f"{name} must be {low}-{high} characters.", field=name)
    return value


async def create_problem(tx: Transaction, *, title: str, description: str = "", actor: str) -> Problem:
    """Open a problem record."""
    await tx.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('atlas:problems:' || :t))"),
                             {"t": str(tx.tenant_id)})
    last = await tx.session.scalar(select(func.max(Problem.number)).where(Problem.tenant_id == tx.tenant_id))
    problem = Problem(tenant_id=tx.tenant_id, id=uuid.uuid4(), number=(last or 0) + 1, created_by=actor,
                      title=_text(title, "title", 300, low=1), description=_text(description, "description", 20_000),
                      created_at=clock.now(), updated_at=clock.now())
    tx.session.add(problem)
    await tx.session.flush()
    return problem


async def _locked(tx: Transaction, problem_id: uuid.UUID) -> Problem:
    problem = await tx.session.scalar(select(Problem).where(
        Problem.tenant_id == tx.tenant_id, Problem.id == problem_id).with_for_update())
    if problem is None:
        raise NotFound("No such problem.")
    return problem


async def update_problem(tx: Transaction, *, problem_id: uuid.UUID, root_cause: str | None = None,
                         workaround: str | None = None, fix_change_id: uuid.UUID | None = None,
                         state: str | None = None) -> Problem:
    """Record the root cause, workaround and fixing change, or move the problem (a workaround makes a known
    error; resolving needs a root cause)."""
    problem = await _locked(tx, problem_id)
    if root_cause is not None:
        problem.root_cause = _text(root_cause, "rootCause", 20_000)
    if workaround is not None:
        problem.workaround = _text(workaround, "workaround", 20_000)
    if fix_change_id is not None:
        if not await tx.session.scalar(select(ChangeRequest.id).where(
                ChangeRequest.tenant_id == tx.tenant_id, ChangeRequest.id == fix_change_id)):
            raise NotFound("No such change.", field="fixChangeId")
        problem.fix_change_id = fix_change_id
    if state is not None and state != problem.state:
        _move(problem, state)
    problem.version += 1
    problem.updated_at = clock.now()
    return problem


def _move(problem: Problem, state: str) -> None:
    if state not in STATES or state not in MOVES[problem.state]:
        raise Conflict(f"Cannot move {problem.reference} from {problem.state} to {state}; allowed: "
                       f"{', '.join(MOVES[problem.state]) or 'none'}.", field="state", code="ILLEGAL_TRANSITION")
    if state == "known_error" and not problem.workaround:
        raise ValidationFailed("A known error needs its workaround.", field="workaround")
    if state == "resolved" and not problem.root_cause:
        raise ValidationFailed("Record the root cause before resolving the problem.", field="rootCause")
    problem.state = state
    problem.resolved_at = clock.now() if state == "resolved" else problem.resolved_at


async def link_incident(tx: Transaction, *, problem_id: uuid.UUID, incident_id: uuid.UUID, actor: str) -> Problem:
    """Group an incident under the problem."""
    problem = await _locked(tx, problem_id)
    if not await tx.session.scalar(select(Incident.id).where(Incident.tenant_id == tx.tenant_id,
                                                             Incident.id == incident_id)):
        raise NotFound("No such incident.", field="incidentId")
    if await tx.session.get(ProblemIncident, (problem_id, incident_id)):
        raise Conflict(f"That incident is already grouped under {problem.reference}.", field="incidentId")
    tx.session.add(ProblemIncident(tenant_id=tx.tenant_id, problem_id=problem_id, incident_id=incident_id,
                                   linked_by=actor))
    problem.version += 1
    await tx.session.flush()
    return problem


async def list_problems(tx: Transaction, *, first: int | None, after: str | None) -> Page[Problem]:
    return await paginate(tx.session, select(Problem).where(Problem.tenant_id == tx.tenant_id),
                          order=[Problem.created_at, Problem.id], first=first, after=after, descending=True)


async def incident_ids_by_problem(tx: Transaction, problem_ids) -> list[list[uuid.UUID]]:
    rows = await tx.session.execute(select(ProblemIncident.problem_id, ProblemIncident.incident_id).where(
        ProblemIncident.tenant_id == tx.tenant_id, ProblemIncident.problem_id.in_(problem_ids)))
    found: dict[uuid.UUID, list[uuid.UUID]] = {}
    for problem_id, incident_id in rows.all():
        found.setdefault(problem_id, []).append(incident_id)
    return [found.get(p, []) for p in problem_ids]


async def known_errors(tx: Transaction, *, search: str, limit: int = 20) -> list[Problem]:
    """Resolved or known-error problems whose title, root cause or workaround mention ``search``."""
    words = [w for w in search.split() if w][:8]
    if not words:
        raise ValidationFailed("Give some words to search for.", field="search")
    query = select(Problem).where(Problem.tenant_id == tx.tenant_id,
                                  Problem.state.in_(("known_error", "resolved", "closed")))
    for word in words:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(Problem.title.ilike(pattern, escape="\\"),
                                Problem.root_cause.ilike(pattern, escape="\\"),
                                Problem.workaround.ilike(pattern, escape="\\")))
    return list(await tx.session.scalars(query.order_by(Problem.resolved_at.desc().nulls_last()).limit(limit)))
