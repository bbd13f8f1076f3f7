"""The AI pipeline over GraphQL: an incident's steps, a re-run of one step, status-update drafts."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.ai.pipeline import drafts, service
from domain.ai.pipeline.models import AiPipelineStep as StepRow
from resolvers.errors import mutate, payload_union, run_mutation
from resolvers.ids import parse_id


@strawberry.type
class AiHypothesis:
    """A ranked root cause: a CI and a cause, resting on evidence ids."""

    ci: str
    ci_id: strawberry.ID | None
    cause: str
    confidence: float
    evidence_ids: list[str]
    reasons: list[str]


@strawberry.type
class AiPipelineStep:
    """One step of an incident's AI pipeline (RCA, RUNBOOK, REMEDIATION, VERIFICATION) and its latest result."""

    id: strawberry.ID
    incident_id: strawberry.ID
    step: str = strawberry.field(description="rca, runbook, remediation or verification")
    status: str = strawberry.field(description="pending, running, done or failed")
    run: int = strawberry.field(description="Completed runs (a re-run on demand adds one).")
    attempts: int
    error: str
    dropped_hypotheses: int = strawberry.field(
        description="Model hypotheses dropped for citing nothing or evidence they were not given.")
    model_key: str
    summary: str
    result: strawberry.scalars.JSON
    hypotheses: list[AiHypothesis]
    updated_at: datetime
    completed_at: datetime | None

    @classmethod
    def from_model(cls, row: StepRow) -> AiPipelineStep:
        result = row.result or {}
        return cls(id=strawberry.ID(str(row.id)), incident_id=strawberry.ID(str(row.incident_id)), step=row.step,
                   status=row.status, run=row.run, attempts=row.attempts, error=row.error,
                   dropped_hypotheses=row.dropped_hypotheses, model_key=row.model_key,
                   summary=str(result.get("title") or result.get("reason") or result.get("summary") or ""),
                   result=result,
                   hypotheses=[AiHypothesis(ci=h["ci"], ci_id=h.get("ci_id"), cause=h["cause"],
                                            confidence=h["confidence"], evidence_ids=h["evidence_ids"],
                                            reasons=h.get("reasons", [])) for h in result.get("hypotheses", [])],
                   updated_at=row.updated_at, completed_at=row.completed_at)


@strawberry.type
class AiPipelineStepQueued:
    step: AiPipelineStep


@strawberry.type
class IncidentUpdateDraft:
    """A status-update draft; ``flagged`` when it cites nothing (not to be sent as fact)."""

    audience: str
    text: str
    cited: list[str]
    flagged: bool
    model_key: str


AiPipelineStepPayload = payload_union("AiPipelineStepPayload", AiPipelineStepQueued)
IncidentUpdateDraftPayload = payload_union("IncidentUpdateDraftPayload", IncidentUpdateDraft)


async def resolve_incident_ai_pipeline(info: strawberry.Info, incident_id: strawberry.ID) -> list[AiPipelineStep]:
    """The incident's AI pipeline steps in order (empty until the pipeline starts)."""
    async with info.context.transaction() as tx:
        rows = await service.pipeline_steps(tx, incident_id=parse_id(incident_id, field="incidentId"))
        return [AiPipelineStep.from_model(r) for r in rows]


async def rerun_ai_pipeline_step(info: strawberry.Info, incident_id: strawberry.ID,
                                 step: str) -> AiPipelineStepPayload:
    """Run one step of the incident's pipeline again (that step only); the AI worker picks it up."""
    actor = info.context.actor
    return await mutate(info, lambda tx: service.request_rerun(
        tx, incident_id=parse_id(incident_id, field="incidentId"), step=step, actor=actor.actor,
        features=actor.features), lambda row: AiPipelineStepQueued(step=AiPipelineStep.from_model(row)))


async def draft_incident_update(info: strawberry.Info, incident_id: strawberry.ID,
                                audience: str = "responders") -> IncidentUpdateDraftPayload:
    """A status-update draft for responders or executives, from the timeline and the pipeline's findings."""
    context = info.context

    async def work() -> IncidentUpdateDraft:
        draft = await drafts.draft_update(db=context.runtime.db, gateway=context.runtime.ai,
                                          tenant_id=context.tenant_id, incident_id=parse_id(incident_id,
                                                                                            field="incidentId"),
                                          audience=audience, actor=context.actor.actor)
        return IncidentUpdateDraft(audience=draft.audience, text=draft.text, cited=draft.cited,
                                   flagged=draft.flagged, model_key=draft.model_key)

    return await run_mutation(work)
