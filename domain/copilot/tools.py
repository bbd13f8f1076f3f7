"""The copilot's tools: read-only queries an adapter runs with the asking user's permissions and tenant.

The domain names the tools and what each needs; the adapter (resolvers/copilot/tools.py) runs each as a
GraphQL query in-process with the user's own principal, so a tool the user may not use is refused by the
same guards as the API, and its refusal is noted on the answer instead of silently widening access.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Protocol

from domain.ai.types import Evidence

TOOLS: dict[str, str] = {
    "incident": "the incident the conversation is about, with its timeline",
    "incidents": "recent incidents of the tenant",
    "logs": "recent warning and error logs (telemetry)",
    "knowledge": "KB articles, runbooks and past incidents matching the question",
    "changes": "recent and upcoming changes (ITSM)",
    "analytics": "incident, SLA, change and alert figures of the last 30 days",
    "ai_usage": "AI credits balance and spend of the period",
}


@dataclass(frozen=True)
class ToolInput:
    question: str
    incident_id: uuid.UUID | None = None
    services: tuple[str, ...] = ()


@dataclass
class ToolOutcome:
    """What a tool found (as evidence), or why it was refused (e.g. a permission the user lacks)."""

    evidence: list[Evidence] = field(default_factory=list)
    refused: str | None = None
    services: tuple[str, ...] = ()  # services it learnt of (the incident's), for the tools after it


class ToolRunner(Protocol):
    async def run(self, tool: str, given: ToolInput) -> ToolOutcome: ...
