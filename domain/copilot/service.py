"""The copilot's use cases: ask a question (stored, persona chosen or routed) and answer it (streamed).

Conversations are user-private: every transaction touching them binds ``app.user_id`` as well as the
tenant, and row-level security shows a row only to its owner. Answers come from the AI gateway with
evidence gathered by read-only tools run as the asking user; every kept sentence cites that evidence.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text, update

from domain.ai.types import ChatRequest, ChatResult, Evidence
from domain.copilot.grounding import UNGROUNDED, Grounded, citation_kind
from domain.copilot.models import CopilotConversation, CopilotMessage
from domain.copilot.personas import PERSONAS, parse_persona, route
from domain.copilot.tools import ToolInput, ToolRunner
from domain.errors import DomainError, Forbidden, NotFound, ValidationFailed
from domain.incidents.models import Incident
from domain.uow import Transaction, UnitOfWork

MAX_QUESTION = 2000
MAX_EVIDENCE = 24
WAIT_FOR_OTHER = 60.0  # seconds a second listener waits for an answer another one is producing
ABANDONED = timedelta(minutes=2)  # an answer still "answering" after this was abandoned (listener gone): redo it


async def bind_user(tx: Transaction, user_id: uuid.UUID) -> None:
    """Let this transaction see (and write) ``user_id``'s conversations, and only theirs."""
    await tx.session.execute(text("SELECT set_config('app.user_id', :u, true)"), {"u": str(user_id)})


def _owner(user_id: uuid.UUID | None) -> uuid.UUID:
    if user_id is None:
        raise Forbidden("The copilot keeps conversations per person: sign in as a user, not an API key.")
    return user_id


@dataclass(frozen=True)
class Asked:
    """A stored question and the pending answer a subscription streams."""

    conversation: CopilotConversation
    question: CopilotMessage
    answer: CopilotMessage
    routing: str


async def ask(tx: Transaction, *, user_id: uuid.UUID | None, permissions: frozenset[str], question: str,
              persona: str | None, incident_id: uuid.UUID | None,
              conversation_id: uuid.UUID | None) -> Asked:
    """Store the question and a pending answer; pick the persona (the router's, when none is given)."""
    owner = _owner(user_id)
    question = question.strip()
    if not question or len(question) > MAX_QUESTION:
        raise ValidationFailed(f"Ask a question of 1 to {MAX_QUESTION} characters.", field="question")
    chosen = parse_persona(persona)
    key, routing = (chosen, f"persona {PERSONAS[chosen].label} as asked") if chosen else route(question)
    await bind_user(tx, owner)
    conversation = await _conversation(tx, owner, permissions, question, incident_id, conversation_id)
    asked = CopilotMessage(tenant_id=tx.tenant_id, conversation_id=conversation.id, user_id=owner, role="user",
                           persona=key, routed=chosen is None, status="done", text=question)
    tx.session.add(asked)
    await tx.session.flush()
    answer = CopilotMessage(tenant_id=tx.tenant_id, conversation_id=conversation.id, user_id=owner,
                            role="assistant", persona=key, routed=chosen is None, status="pending",
                            question_id=asked.id, notes=[routing])
    tx.session.add(answer)
    conversation.updated_at = func.now()
    await tx.session.flush()
    return Asked(conversation, asked, answer, routing)


async def _conversation(tx: Transaction, owner: uuid.UUID, permissions: frozenset[str], question: str,
                        incident_id: uuid.UUID | None, conversation_id: uuid.UUID | None) -> CopilotConversation:
    if conversation_id is not None:
        found = await tx.session.scalar(select(CopilotConversation).where(
            CopilotConversation.tenant_id == tx.tenant_id, CopilotConversation.user_id == owner,
            CopilotConversation.id == conversation_id))
        if found is None:
            raise NotFound("No such conversation of yours.", field="conversationId")
        return found
    if incident_id is not None:
        if "incident.read" not in permissions:
            raise Forbidden("You need the 'incident.read' permission to ask about an incident.")
        if await tx.session.scalar(select(Incident.id).where(Incident.tenant_id == tx.tenant_id,
                                                             Incident.id == incident_id)) is None:
            raise NotFound("No such incident.", field="incidentId")
    conversation = CopilotConversation(tenant_id=tx.tenant_id, user_id=owner, incident_id=incident_id,
                                       title=question[:200])
    tx.session.add(conversation)
    await tx.session.flush()
    return conversation


@dataclass(frozen=True)
class AnswerEvent:
    """One step of a streamed answer: ``chunk`` (a kept sentence), then ``done`` or ``error``."""

    message_id: uuid.UUID
    kind: str
    text: str
    persona: str
    routed: bool = False
    citations: tuple[dict, ...] = ()
    grounded: bool = False
    notes: tuple[str, ...] = ()
    error_code: str | None = None


@dataclass
class _Job:
    message: CopilotMessage
    question: str
    incident_id: uuid.UUID | None
    evidence: list[Evidence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


async def answer(*, db: UnitOfWork, gateway, tools: ToolRunner, tenant_id: uuid.UUID, user_id: uuid.UUID | None,
                 actor: str, message_id: uuid.UUID) -> AsyncIterator[AnswerEvent]:
    """Stream the answer of one of the user's pending questions (or replay it, if already answered)."""
    owner = _owner(user_id)
    job = await _claim(db, tenant_id, owner, message_id)
    if job is None:
        yield await _settled(db, tenant_id, owner, message_id)
        return
    message = job.message
    persona = PERSONAS[message.persona]
    try:
        await _gather(job, tools, persona.tools)
        grounded = Grounded(given=frozenset(e.id for e in job.evidence))
        request = ChatRequest(task="copilot", question=job.question, evidence=tuple(job.evidence), max_tokens=600,
                              instructions=f"Answer as the {persona.label} copilot. {persona.voice} Cite a source "
                                           "id after every factual sentence.")
        async for piece in gateway.stream(tenant_id=tenant_id, actor=actor, request=request):
            if isinstance(piece, ChatResult):
                break
            for sentence in grounded.feed(piece):
                yield AnswerEvent(message_id, "chunk", sentence + " ", message.persona, message.routed)
        for sentence in grounded.finish():
            yield AnswerEvent(message_id, "chunk", sentence, message.persona, message.routed)
    except DomainError as exc:
        yield await _store(db, tenant_id, owner, job, status="failed", text=exc.message, grounded=None,
                           error_code=exc.code)
        return
    yield await _store(db, tenant_id, owner, job, status="done", text="", grounded=grounded)


async def _claim(db: UnitOfWork, tenant_id: uuid.UUID, owner: uuid.UUID, message_id: uuid.UUID) -> _Job | None:
    """Take a pending answer to produce (None: it is answered, or someone else is answering it)."""
    async with db.transaction(tenant_id=tenant_id) as tx:
        await bind_user(tx, owner)
        message = await tx.session.scalar(select(CopilotMessage).where(
            CopilotMessage.tenant_id == tenant_id, CopilotMessage.user_id == owner, CopilotMessage.id == message_id,
            CopilotMessage.role == "assistant"))
        if message is None:
            raise NotFound("No such copilot answer of yours.", field="messageId")
        stale = (CopilotMessage.status == "answering") & (CopilotMessage.created_at < func.now() - ABANDONED)
        taken = await tx.session.execute(update(CopilotMessage).where(
            CopilotMessage.id == message_id, (CopilotMessage.status == "pending") | stale).values(status="answering"))
        if taken.rowcount != 1:
            return None
        question = await tx.session.get(CopilotMessage, message.question_id)
        conversation = await tx.session.get(CopilotConversation, message.conversation_id)
        return _Job(message=message, question=question.text if question else "",
                    incident_id=conversation.incident_id if conversation else None, notes=list(message.notes))


async def _gather(job: _Job, tools: ToolRunner, names: tuple[str, ...]) -> None:
    """Run the persona's tools in order as the user; keep what they found, note what they refused."""
    given = ToolInput(question=job.question, incident_id=job.incident_id)
    for name in names:
        outcome = await tools.run(name, given)
        if outcome.refused:
            job.notes.append(f"{name}: {outcome.refused}")
        if outcome.services:
            given = ToolInput(question=given.question, incident_id=given.incident_id, services=outcome.services)
        seen = {e.id for e in job.evidence}
        job.evidence.extend(_unbracketed(e) for e in outcome.evidence if e.id not in seen)
    del job.evidence[MAX_EVIDENCE:]


def _unbracketed(evidence: Evidence) -> Evidence:
    """Evidence text cannot carry brackets: no fake ``[id]`` citations, no false sentence breaks."""
    text = evidence.text.replace("[", "(").replace("]", ")")
    return Evidence(evidence.id, text, evidence.title) if text != evidence.text else evidence


async def _store(db: UnitOfWork, tenant_id: uuid.UUID, owner: uuid.UUID, job: _Job, *, status: str, text: str,
                 grounded: Grounded | None, error_code: str | None = None) -> AnswerEvent:
    titles = {e.id: e.title for e in job.evidence}
    citations = [{"id": i, "kind": citation_kind(i), "title": titles.get(i, "")}
                 for i in (grounded.cited if grounded else [])]
    if grounded is not None:
        text = " ".join(grounded.kept) if grounded.grounded else UNGROUNDED
        if grounded.withheld:
            job.notes.append(f"{grounded.withheld} sentence(s) cited no source and were withheld")
    is_grounded = bool(grounded and grounded.grounded)
    async with db.transaction(tenant_id=tenant_id) as tx:
        await bind_user(tx, owner)
        await tx.session.execute(update(CopilotMessage).where(CopilotMessage.id == job.message.id).values(
            status=status, text=text, citations=citations, grounded=is_grounded, notes=job.notes))
    return AnswerEvent(job.message.id, "error" if status == "failed" else "done", text, job.message.persona,
                       job.message.routed, tuple(citations), is_grounded, tuple(job.notes), error_code)


async def _settled(db: UnitOfWork, tenant_id: uuid.UUID, owner: uuid.UUID, message_id: uuid.UUID) -> AnswerEvent:
    """The stored outcome of an answer, waiting a while if another listener is still producing it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_FOR_OTHER
    while True:
        async with db.transaction(tenant_id=tenant_id) as tx:
            await bind_user(tx, owner)
            m = await tx.session.scalar(select(CopilotMessage).where(CopilotMessage.id == message_id))
        if m is not None and m.status in ("done", "failed"):
            return AnswerEvent(m.id, "done" if m.status == "done" else "error", m.text, m.persona, m.routed,
                               tuple(m.citations), m.grounded, tuple(m.notes),
                               None if m.status == "done" else "AI_UNAVAILABLE")
        if loop.time() > deadline:
            return AnswerEvent(message_id, "error", "The answer is still being written; try again shortly.",
                               m.persona if m else "sre", error_code="BUSY")
        await asyncio.sleep(0.25)


async def conversations(tx: Transaction, *, user_id: uuid.UUID | None, incident_id: uuid.UUID | None = None,
                        limit: int = 20) -> list[CopilotConversation]:
    """The user's own conversations, newest first (optionally those about one incident)."""
    owner = _owner(user_id)
    await bind_user(tx, owner)
    query = select(CopilotConversation).where(CopilotConversation.tenant_id == tx.tenant_id,
                                              CopilotConversation.user_id == owner)
    if incident_id is not None:
        query = query.where(CopilotConversation.incident_id == incident_id)
    return list(await tx.session.scalars(query.order_by(CopilotConversation.updated_at.desc()).limit(limit)))


async def messages_of(tx: Transaction, *, user_id: uuid.UUID | None,
                      conversation_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[CopilotMessage]]:
    """The messages of the user's conversations, oldest first, by conversation."""
    owner = _owner(user_id)
    await bind_user(tx, owner)
    rows = await tx.session.scalars(select(CopilotMessage).where(
        CopilotMessage.tenant_id == tx.tenant_id, CopilotMessage.user_id == owner,
        CopilotMessage.conversation_id.in_(conversation_ids))
        .order_by(CopilotMessage.created_at, CopilotMessage.role.desc()))
    found: dict[uuid.UUID, list[CopilotMessage]] = {i: [] for i in conversation_ids}
    for message in rows:
        found[message.conversation_id].append(message)
    return found


async def prune(tx: Transaction, *, older_than: datetime) -> int:
    """Delete the tenant's conversations (every user's) last touched before ``older_than``; how many."""
    await tx.session.execute(text("SELECT set_config('app.retention_prune', 'on', true)"))
    gone = await tx.session.execute(delete(CopilotConversation).where(
        CopilotConversation.tenant_id == tx.tenant_id, CopilotConversation.updated_at < older_than))
    return gone.rowcount or 0
