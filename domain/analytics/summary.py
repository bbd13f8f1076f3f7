"""The Executive summary of a period: the analytics figures as evidence, written by the AI gateway."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from domain.ai.types import ChatRequest, Evidence
from domain.analytics.figures import Analytics
from domain.copilot.grounding import UNGROUNDED, Grounded

QUESTION = ("Summarize this period for an executive: how many incidents, how fast they were acknowledged and "
            "resolved, SLA compliance, change success, alert noise and AI credits spent.")


def _minutes(seconds: float | None) -> str:
    return "not measured" if seconds is None else f"{seconds / 60:.1f} minutes"


def evidence(figures: Analytics) -> list[Evidence]:
    """Each section of the figures as one cited piece of evidence, in plain sentences."""
    p, i = figures.period, figures.incidents
    span = f"{p.since.date().isoformat()} to {p.until.date().isoformat()}"
    severities = ", ".join(f"{c.count} {c.key}" for c in i.by_severity) or "none"
    out = [Evidence("analytics:incidents", (
        f"In the period from {span} there were {i.total} incidents ({severities}); incidents were acknowledged "
        f"in {_minutes(i.mtta_seconds)} and resolved in {_minutes(i.mttr_seconds)} on average, and "
        f"{i.resolved} incidents were resolved."), "Incident figures")]
    if figures.sla is not None:
        out.append(Evidence("analytics:sla", f"SLA compliance was {figures.sla.percent}% "
                            f"({figures.sla.met} of {figures.sla.total} SLA targets met).", "SLA compliance"))
    if figures.changes is not None and figures.changes.success_rate is not None:
        c = figures.changes
        out.append(Evidence("analytics:changes", f"Change success rate was {c.success_rate * 100:.0f}% "
                            f"({c.succeeded} of {c.finished} finished changes succeeded, {c.failed} failed).",
                            "Change success"))
    if figures.noise is not None:
        n = figures.noise
        out.append(Evidence("analytics:noise", f"Alert noise: {n.alerts} alerts opened, "
                            f"{n.alerts_per_incident or 0} alerts per incident, {n.silenced} alerts silenced, "
                            f"{len(n.flapping_rules)} flapping alert rules.", "Alert noise"))
    if figures.ai is not None:
        out.append(Evidence("analytics:ai", f"AI usage spent {figures.ai.credits} AI credits over "
                            f"{figures.ai.calls} model calls; {figures.ai.balance} credits remain.", "AI usage"))
    return out


@dataclass(frozen=True)
class Summary:
    text: str
    cited: list[str]
    grounded: bool
    model_key: str
    credits: int


async def executive_summary(*, gateway, tenant_id: uuid.UUID, actor: str, figures: Analytics) -> Summary:
    """Ask the gateway for the period's summary; keep only sentences that cite the figures."""
    given = evidence(figures)
    request = ChatRequest(task="summary", question=QUESTION, evidence=tuple(given), max_tokens=400,
                          instructions="Write for an executive: plain words, impact first, cite every figure.")
    result = await gateway.chat(tenant_id=tenant_id, actor=actor, request=request)
    grounded = Grounded(given=frozenset(e.id for e in given))
    grounded.feed(result.text)
    grounded.finish()
    text = " ".join(grounded.kept) if grounded.grounded else UNGROUNDED
    return Summary(text=text, cited=grounded.cited, grounded=grounded.grounded, model_key=result.model_key,
                   credits=result.credits)
