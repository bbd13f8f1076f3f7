"""GraphQL types of the copilot: conversations, messages with citations, and streamed answer events."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from domain.copilot.models import CopilotConversation as ConversationModel
from domain.copilot.models import CopilotMessage as MessageModel
from domain.copilot.service import AnswerEvent


@strawberry.enum(description="Who the copilot answers as.")
class CopilotPersona(Enum):
    SRE = "sre"
    SECOPS = "secops"
    EXECUTIVE = "executive"
    FINOPS = "finops"


@strawberry.type(description="A source an answer's sentences cite.")
class CopilotCitation:
    id: str = strawberry.field(description="`incident:<id>`, `runbook:<id>`, `kb:<id>`, `change:<id>`, "
                                           "`telemetry:logs`, `analytics:...` or `ai:usage`.")
    kind: str = strawberry.field(description="incident, runbook, KB article, telemetry query, change, ...")
    title: str

    @classmethod
    def from_dict(cls, c: dict) -> CopilotCitation:
        return cls(id=c["id"], kind=c.get("kind", "source"), title=c.get("title", ""))


@strawberry.type(description="A question, or an answer whose every kept sentence cites a source.")
class CopilotMessage:
    id: strawberry.ID
    role: str = strawberry.field(description="`user` or `assistant`.")
    persona: CopilotPersona
    routed: bool = strawberry.field(description="The router chose the persona (none was asked for).")
    status: str = strawberry.field(description="`pending`, `answering`, `done` or `failed`.")
    text: str
    citations: list[CopilotCitation]
    grounded: bool = strawberry.field(description="False: no source grounds it, and the text says so.")
    notes: list[str] = strawberry.field(description="Routing, tools refused for lack of permission, withheld "
                                                    "sentences.")
    created_at: datetime

    @classmethod
    def from_model(cls, m: MessageModel) -> CopilotMessage:
        return cls(id=strawberry.ID(str(m.id)), role=m.role, persona=CopilotPersona(m.persona), routed=m.routed,
                   status=m.status, text=m.text, citations=[CopilotCitation.from_dict(c) for c in m.citations],
                   grounded=m.grounded, notes=list(m.notes), created_at=m.created_at)


@strawberry.type(description="One of the caller's own conversations (nobody else can read it).")
class CopilotConversation:
    id: strawberry.ID
    title: str
    incident_id: strawberry.ID | None
    created_at: datetime
    updated_at: datetime
    messages: list[CopilotMessage]

    @classmethod
    def from_model(cls, c: ConversationModel, messages: list[MessageModel]) -> CopilotConversation:
        return cls(id=strawberry.ID(str(c.id)), title=c.title,
                   incident_id=strawberry.ID(str(c.incident_id)) if c.incident_id else None,
                   created_at=c.created_at, updated_at=c.updated_at,
                   messages=[CopilotMessage.from_model(m) for m in messages])


@strawberry.type(description="The question is stored; subscribe to copilotAnswer(messageId: answerId).")
class CopilotAsked:
    conversation_id: strawberry.ID
    question_id: strawberry.ID
    answer_id: strawberry.ID
    persona: CopilotPersona
    routed: bool
    routing: str = strawberry.field(description="Which persona answers, and why.")


@strawberry.type(description="A step of a streamed answer: `chunk` (a cited sentence), then `done` or `error`.")
class CopilotAnswerEvent:
    message_id: strawberry.ID
    kind: str
    text: str
    persona: CopilotPersona
    routed: bool
    citations: list[CopilotCitation]
    grounded: bool
    notes: list[str]
    error_code: str | None

    @classmethod
    def from_event(cls, e: AnswerEvent) -> CopilotAnswerEvent:
        return cls(message_id=strawberry.ID(str(e.message_id)), kind=e.kind, text=e.text,
                   persona=CopilotPersona(e.persona), routed=e.routed,
                   citations=[CopilotCitation.from_dict(c) for c in e.citations], grounded=e.grounded,
                   notes=list(e.notes), error_code=e.error_code)
