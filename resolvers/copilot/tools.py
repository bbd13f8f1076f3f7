"""The copilot's tools as GraphQL queries run in-process with the asking user's principal.

Each tool is a named query of graphql/operations/copilot/tools.graphql executed against the same schema
with a fresh context for the same principal: the API's guards decide, so a user without, say,
``telemetry.read`` gets a refusal (noted on the answer), never telemetry. Results become evidence.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import strawberry

from domain.ai.types import Evidence
from domain.copilot.tools import ToolInput, ToolOutcome
from resolvers.context import Context

DOCUMENT = Path(__file__).resolve().parents[2] / "graphql" / "operations" / "copilot" / "tools.graphql"
REFUSALS = {"FORBIDDEN", "NOT_ENTITLED", "UNAUTHENTICATED"}


@functools.cache
def _document() -> str:
    return DOCUMENT.read_text()


class GraphQLTools:
    """Runs the copilot's tools for the principal of ``info`` (one fresh context per tool call)."""

    def __init__(self, info: strawberry.Info) -> None:
        self.schema = info.schema
        self.parent: Context = info.context

    async def _query(self, name: str, variables: dict[str, Any]) -> tuple[dict | None, str | None]:
        context = Context(request=self.parent.request, response=None, runtime=self.parent.runtime,
                          principal=self.parent.principal)
        result = await self.schema.execute(_document(), variable_values=variables, context_value=context,
                                           operation_name=name)
        for error in result.errors or ():
            code = (error.extensions or {}).get("code")
            if code in REFUSALS:
                return None, f"not used: {error.message}"
        if result.errors:
            return None, "not used: the query failed"
        return result.data, None

    async def run(self, tool: str, given: ToolInput) -> ToolOutcome:
        make = getattr(self, f"_{tool}", None)
        if make is None:
            return ToolOutcome(refused="unknown tool")
        return await make(given)

    async def _incident(self, given: ToolInput) -> ToolOutcome:
        if given.incident_id is None:
            return ToolOutcome()
        data, refused = await self._query("CopilotToolIncident", {"id": str(given.incident_id)})
        if refused or not data or not data["incident"]:
            return ToolOutcome(refused=refused)
        i = data["incident"]
        lines = [f"{i['reference']} \"{i['title']}\" is {i['status'].lower()}, severity {i['severity']}, "
                 f"services {', '.join(i['services']) or 'none'}, opened {i['createdAt']}."]
        if i["description"]:
            lines.append(first_words(i["description"], 60))
        for edge in i["timeline"]["edges"]:
            n = edge["node"]
            lines.append(f"At {n['occurredAt']} {n['actor']} recorded {n['kind']}: {_brief(n['data'])}.")
        return ToolOutcome(evidence=[Evidence(f"incident:{i['id']}", "\n".join(lines), i["reference"])],
                           services=tuple(i["services"]))

    async def _incidents(self, given: ToolInput) -> ToolOutcome:
        data, refused = await self._query("CopilotToolIncidents", {})
        if refused or not data:
            return ToolOutcome(refused=refused)
        return ToolOutcome(evidence=[Evidence(
            f"incident:{n['id']}", f"{n['reference']} \"{n['title']}\" is {n['status'].lower()}, severity "
            f"{n['severity']}, services {', '.join(n['services']) or 'none'}, opened {n['createdAt']}.",
            n["reference"]) for n in (e["node"] for e in data["incidents"]["edges"])])

    async def _logs(self, given: ToolInput) -> ToolOutcome:
        log_filter = {"minSeverity": 13, "service": given.services[0] if given.services else None}
        data, refused = await self._query("CopilotToolLogs", {"filter": log_filter})
        if refused or not data:
            return ToolOutcome(refused=refused)
        lines = [f"{n['ts']} {n['severityText'] or 'WARN'} {n['service'] or ''}: {first_words(n['body'], 40)}"
                 for n in (e["node"] for e in data["logs"]["edges"])]
        if not lines:
            return ToolOutcome()
        scope = f" of {given.services[0]}" if given.services else ""
        return ToolOutcome(evidence=[Evidence("telemetry:logs", "\n".join(lines),
                                              f"logs{scope}, warning and above, newest 20")])

    async def _knowledge(self, given: ToolInput) -> ToolOutcome:
        data, refused = await self._query("CopilotToolKnowledge", {"query": given.question[:500]})
        if refused or not data:
            return ToolOutcome(refused=refused)
        prefix = {"article": "kb", "runbook": "runbook", "incident": "incident", "rca": "incident"}
        return ToolOutcome(evidence=[Evidence(f"{prefix.get(h['source'], 'kb')}:{h['sourceId']}",
                                              f"{h['title']}: {h['snippet']}", h["title"]) for h in data["search"]])

    async def _changes(self, given: ToolInput) -> ToolOutcome:
        data, refused = await self._query("CopilotToolChanges", {})
        if refused or not data:
            return ToolOutcome(refused=refused)
        return ToolOutcome(evidence=[Evidence(
            f"change:{n['id']}", f"Change {n['reference']} \"{n['title']}\" is {n['state'].lower()}, risk "
            f"{n['riskLevel']}, planned {n['plannedStart'] or 'unscheduled'}"
            f"{', implemented ' + n['implementedAt'] if n['implementedAt'] else ''}.", n["reference"])
            for n in (e["node"] for e in data["changes"]["edges"])])

    async def _analytics(self, given: ToolInput) -> ToolOutcome:
        data, refused = await self._query("CopilotToolAnalytics", {})
        if refused or not data:
            return ToolOutcome(refused=refused)
        a, i = data["opsAnalytics"], data["opsAnalytics"]["incidents"]
        severities = ", ".join(f"{c['count']} {c['key']}" for c in i["bySeverity"]) or "none"
        lines = [f"From {a['since'][:10]} to {a['until'][:10]} there were {i['total']} incidents ({severities}).",
                 f"Mean time to acknowledge was {_minutes(i['mttaSeconds'])}; mean time to resolve was "
                 f"{_minutes(i['mttrSeconds'])}."]
        if a["sla"]:
            lines.append(f"SLA compliance was {a['sla']['percent']}% ({a['sla']['met']} of {a['sla']['total']} "
                         "targets met).")
        if a["changes"] and a["changes"]["successRate"] is not None:
            lines.append(f"Change success rate was {a['changes']['successRate'] * 100:.0f}% "
                         f"({a['changes']['failed']} of {a['changes']['finished']} changes failed).")
        return ToolOutcome(evidence=[Evidence("analytics:30d", "\n".join(lines), "analytics, last 30 days")])

    async def _ai_usage(self, given: ToolInput) -> ToolOutcome:
        data, refused = await self._query("CopilotToolAiUsage", {})
        if refused or not data:
            return ToolOutcome(refused=refused)
        u = data["aiUsage"]
        return ToolOutcome(evidence=[Evidence("ai:usage", (
            f"The AI credit balance is {u['balance']} credits. This period ({u['periodKey'] or 'not started'}) "
            f"AI usage cost {u['spentThisPeriod']} credits spent on model calls."), "AI credits")])


def _brief(data: Any) -> str:
    if not data:
        return "no details"
    if isinstance(data, dict):
        return first_words(", ".join(f"{k} {v}" for k, v in list(data.items())[:4]), 30)
    return first_words(str(data), 30)


def _minutes(seconds: float | None) -> str:
    return "not measured" if seconds is None else f"{seconds / 60:.1f} minutes"


def first_words(text: str, count: int) -> str:
    words = str(text).split()
    return " ".join(words[:count]) + (" ..." if len(words) > count else "")
