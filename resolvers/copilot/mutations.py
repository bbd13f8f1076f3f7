from __future__ import annotations

import strawberry

from domain.copilot import service
from resolvers.copilot.types import CopilotAsked, CopilotPersona
from resolvers.errors import mutate, payload_union
from resolvers.ids import parse_id

AskCopilotPayload = payload_union("AskCopilotPayload", CopilotAsked)


async def ask_copilot(info: strawberry.Info, question: str, persona: CopilotPersona | None = None,
                      incident_id: strawberry.ID | None = None,
                      conversation_id: strawberry.ID | None = None) -> AskCopilotPayload:
    """Ask the copilot; the answer streams on the copilotAnswer subscription (messageId: answerId)."""
    actor = info.context.actor

    async def change(tx):
        return await service.ask(
            tx, user_id=actor.user_id, permissions=actor.permissions, question=question,
            persona=persona.value if persona else None,
            incident_id=parse_id(incident_id, field="incidentId") if incident_id else None,
            conversation_id=parse_id(conversation_id, field="conversationId") if conversation_id else None)

    return await mutate(info, change, lambda a: CopilotAsked(
        conversation_id=strawberry.ID(str(a.conversation.id)), question_id=strawberry.ID(str(a.question.id)),
        answer_id=strawberry.ID(str(a.answer.id)), persona=CopilotPersona(a.answer.persona), routed=a.answer.routed,
        routing=a.routing))
