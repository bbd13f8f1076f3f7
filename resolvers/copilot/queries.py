from __future__ import annotations

import strawberry

from domain.copilot import service
from resolvers.copilot.types import CopilotConversation
from resolvers.errors import PublicError
from resolvers.ids import parse_id


async def resolve_copilot_conversations(info: strawberry.Info, incident_id: strawberry.ID | None = None,
                                        first: int = 20) -> list[CopilotConversation]:
    """The caller's own conversations, newest first, with their messages (two queries in all)."""
    if not 1 <= first <= 100:
        raise PublicError("first must be from 1 to 100.", code="VALIDATION")
    incident = parse_id(incident_id, field="incidentId") if incident_id else None
    user_id = info.context.actor.user_id
    async with info.context.transaction() as tx:
        found = await service.conversations(tx, user_id=user_id, incident_id=incident, limit=first)
        messages = await service.messages_of(tx, user_id=user_id, conversation_ids=[c.id for c in found])
    return [CopilotConversation.from_model(c, messages[c.id]) for c in found]
