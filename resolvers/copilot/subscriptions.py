"""copilotAnswer: one of the caller's own answers, streamed sentence by sentence (each cites its source)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from domain.copilot import service
from domain.errors import DomainError
from resolvers.copilot.tools import GraphQLTools
from resolvers.copilot.types import CopilotAnswerEvent, CopilotPersona
from resolvers.ids import parse_id


async def copilot_answer(info: strawberry.Info, message_id: strawberry.ID) -> AsyncGenerator[CopilotAnswerEvent, None]:
    """Produce (or replay) the answer ``message_id`` of the caller's question; ends after `done` or `error`."""
    context = info.context
    try:
        events = service.answer(db=context.runtime.db, gateway=context.runtime.ai, tools=GraphQLTools(info),
                                tenant_id=context.tenant_id, user_id=context.actor.user_id, actor=context.actor.actor,
                                message_id=parse_id(message_id, field="messageId"))
        async for event in events:
            yield CopilotAnswerEvent.from_event(event)
    except DomainError as exc:
        yield CopilotAnswerEvent(message_id=message_id, kind="error", text=exc.message, persona=CopilotPersona.SRE,
                                 routed=False, citations=[], grounded=False, notes=[], error_code=exc.code)
