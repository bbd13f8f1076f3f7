"""Incident summaries and status-update drafts (for responders or for executives), written from the timeline
and the pipeline's findings through the gateway; every sentence rests on a cited timeline entry or finding."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from domain.ai.pipeline.models import AiPipelineStep
from domain.ai.types import ChatRequest, Evidence
from domain.errors import ValidationFailed
from domain.incidents.models import TimelineEntry
from domain.incidents.queries import get_incident

if TYPE_CHECKING:
    from domain.ai.gateway import Gateway
    from domain.uow import UnitOfWork

AUDIENCES = ("responders", "executives")


@dataclass(frozen=True)
class Draft:
    audience: str
    text: str
    cited: list[str]
    flagged: bool
    model_key: str


async def draft_update(*, db: UnitOfWork, gateway: Gateway, tenant_id: uuid.UUID, incident_id: uuid.UUID,
                       audience: str, actor: str) -> Draft:
    """A status-update draft for ``audience``; a person edits and sends it."""
    if audience not in AUDIENCES:
        raise ValidationFailed("Audience must be responders or executives.", field="audience")
    async with db.transaction(tenant_id=tenant_id) as tx:
        incident = await get_incident(tx, incident_id)
        entries = list(await tx.session.scalars(select(TimelineEntry).where(
            TimelineEntry.tenant_id == tenant_id, TimelineEntry.incident_id == incident_id)
            .order_by(TimelineEntry.stream_seq.desc()).limit(30)))
        steps = {row.step: row for row in await tx.session.scalars(select(AiPipelineStep).where(
            AiPipelineStep.tenant_id == tenant_id, AiPipelineStep.incident_id == incident_id))}
    evidence = [Evidence(id=f"timeline:{e.stream_seq}", title=e.kind,
                         text=f"{e.kind} by {e.actor}: {e.data.get('summary') or e.data.get('to') or ''}".strip())
                for e in reversed(entries)]
    rca = steps.get("rca")
    top = ((rca.result or {}).get("hypotheses") or [None])[0] if rca is not None and rca.run else None
    if top:
        evidence.append(Evidence(id="finding:rca", title="root cause",
                                 text=f"Likely cause: {top['cause']} on {top['ci']}."))
    checked = _verification(steps.get("verification"))
    if checked:
        evidence.append(Evidence(id="finding:verification", title="verification", text=checked["summary"]))
    answer = await gateway.chat(tenant_id=tenant_id, actor=actor, request=ChatRequest(
        task="summary", question=f"Write a status update for {audience} about {incident.reference}.",
        evidence=tuple(evidence), max_tokens=400))
    if answer.provider != "local":
        return Draft(audience, answer.text, answer.cited, answer.flagged, answer.model_key)
    text, cited = _local_text(incident, audience, top, [e for e in evidence if e.id != "finding:verification"])
    if checked:
        text, cited = _with_verification(text, cited, audience, checked)
    return Draft(audience, text, cited, not cited, answer.model_key)


def _verification(row: AiPipelineStep | None) -> dict | None:
    """The verification of a remediation that ran (None before one ran)."""
    result = (row.result or {}) if row is not None and row.run else {}
    return result if result.get("state") in ("verified", "not_verified") else None


def _with_verification(text: str, cited: list[str], audience: str, checked: dict) -> tuple[str, list[str]]:
    if audience == "executives":
        said = (" The fix has been verified: the signals are back to normal [finding:verification]."
                if checked["verified"] else
                " A first fix did not resolve it; we are working on the next one [finding:verification].")
    else:
        said = f" {checked['summary']} [finding:verification]"
    marker = " Next update within 30 minutes."
    text = text.replace(marker, said + marker) if marker in text else text + said
    return text, [*cited, "finding:verification"]


def _local_text(incident, audience: str, top: dict | None, evidence: list[Evidence]) -> tuple[str, list[str]]:
    services = ", ".join(incident.services) or "our services"
    latest = evidence[-2 if top else -1].id if evidence else None
    opened = f"{incident.reference} ({incident.severity}) is {incident.status}: {incident.title}."
    cited = [i for i in (latest, "finding:rca" if top else None) if i]
    if audience == "executives":
        text = f"We are working on a problem affecting {services}. Status: {incident.status}."
        if top:
            text += f" We believe the cause is in {top['ci']} [finding:rca]."
        return text + (f" [{latest}]" if latest else "") + " Next update within 30 minutes.", cited
    text = opened + (f" [{latest}]" if latest else "")
    if top:
        text += (f" Likely root cause: {top['cause']} on {top['ci']} (confidence {top['confidence']:.0%}) "
                 f"[finding:rca]; evidence {', '.join(top['evidence_ids'])}.")
    return text, cited
