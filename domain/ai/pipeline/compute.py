"""What each step computes (outside any transaction: model calls go through the gateway, which keeps its own)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from domain import clock
from domain.ai.pipeline import steps, verify
from domain.ai.pipeline.evidence import gather
from domain.ai.pipeline.rca import Hypothesis, checked_hypotheses, demote, failed_remediation_id, rank
from domain.ai.types import ChatRequest, Evidence
from domain.errors import DomainError
from domain.incidents.queries import get_incident

if TYPE_CHECKING:
    from domain.ai.gateway import Gateway
    from domain.uow import Transaction, UnitOfWork

ACTOR = "ai:pipeline"
MAX_EVIDENCE = 60
RCA_QUESTION = (
    "Rank the likely root causes of this incident. Answer with JSON only: {\"hypotheses\": [{\"ci\": <a CI name "
    "of the blast radius>, \"cause\": <short cause>, \"confidence\": <0..1>, \"evidence_ids\": [<ids of the "
    "evidence blocks it rests on>]}]}. Every hypothesis must cite evidence ids given here. Blast radius: ")


@dataclass
class Output:
    result: dict[str, Any]
    summary: str = ""
    dropped: int = 0
    model_key: str = ""


async def plan_features(tx: Transaction) -> set[str]:
    """The features of the entitlements in force for the transaction's tenant."""
    from domain.billing.entitlements import current_entitlements
    from domain.tenants.models import Tenant

    tenant = await tx.session.get(Tenant, tx.tenant_id)
    return set((await current_entitlements(tx, tenant))["features"])


async def rca(*, db: UnitOfWork, gateway: Gateway, tenant_id: uuid.UUID, incident_id: uuid.UUID,
              prior: Any) -> Output:
    """Gather evidence, rank it locally, ask the tenant's RCA model; keep only hypotheses citing given evidence."""
    async with db.transaction(tenant_id=tenant_id) as tx:
        incident = await get_incident(tx, incident_id)
        gathered = await gather(tx, incident)
        failed = await _failed_remediations(tx, incident_id)
    radius = sorted(gathered.topology.radius())
    local = rank(gathered.signals, gathered.topology, start=gathered.start)
    learnt = [Evidence(id=failed_remediation_id(f), title=f"failed remediation on {f.get('ci')}",
                       text=f"{f.get('action')} ({f['runbook']}) ran for {f.get('cause')} on {f.get('ci')}; the "
                            f"signals did not recover") for f in failed]
    answer = await gateway.chat(tenant_id=tenant_id, actor=ACTOR, request=ChatRequest(
        task="rca", question=RCA_QUESTION + ", ".join(radius),
        evidence=(*learnt, *gathered.evidence())[:MAX_EVIDENCE], max_tokens=800))
    dropped, source = 0, "local heuristics"
    hypotheses: list[Hypothesis] = local
    if answer.provider != "local":
        kept, dropped = checked_hypotheses(answer.text, evidence_ids=gathered.ids() | {e.id for e in learnt},
                                           cis=set(radius))
        hypotheses, source = (kept, "model") if kept else (local, "local heuristics (no grounded model answer)")
    hypotheses = demote(hypotheses, failed)
    top = [{**h.as_dict(), "ci_id": str(gathered.ci_ids[h.ci]) if h.ci in gathered.ci_ids else None}
           for h in hypotheses[:5]]
    evidence = [{"id": e.id, "kind": "remediation", "ci": f.get("ci"), "text": e.text} for e, f in zip(
        learnt, failed, strict=True)]
    evidence += [{"id": s.id, "kind": s.kind, "ci": s.ci, "text": s.text}
                 for s in [*gathered.alerts, *gathered.signals]]
    summary = (f"Likely root cause: {top[0]['cause']} on {top[0]['ci']} ({top[0]['confidence']:.0%})" if top
               else "No root cause found in the evidence.")
    if failed:
        summary += f"; demoted after {len(failed)} failed remediation(s)"
    return Output(result={"hypotheses": top, "evidence": evidence[:MAX_EVIDENCE], "blast_radius": radius,
                          "source": source, "call_id": answer.call_id, "start": gathered.start},
                  summary=summary, dropped=dropped, model_key=answer.model_key)


async def _failed_remediations(tx: Transaction, incident_id: uuid.UUID) -> list[dict[str, Any]]:
    """What verification learnt: remediations that ran for a hypothesis and did not bring the signals back."""
    from sqlalchemy import select

    from domain.ai.pipeline.models import AiPipelineStep

    result = await tx.session.scalar(select(AiPipelineStep.result).where(
        AiPipelineStep.tenant_id == tx.tenant_id, AiPipelineStep.incident_id == incident_id,
        AiPipelineStep.step == "verification"))
    return list((result or {}).get("failed_remediations") or [])


def _top(prior: Any) -> dict[str, Any] | None:
    hypotheses = ((prior or {}).get("rca") or {}).get("hypotheses") or []
    return hypotheses[0] if hypotheses else None


async def runbook(*, db: UnitOfWork, gateway: Gateway, tenant_id: uuid.UUID, incident_id: uuid.UUID,
                  prior: Any) -> Output:
    """A runbook draft from the incident, the RCA and the runbooks retrieved for its cause."""
    from domain.knowledge.search import search

    top = _top(prior)
    if top is None:
        return Output(result={"skipped": True, "reason": "The RCA found no root cause to write a runbook for."},
                      summary="No runbook draft: no root cause.")
    async with db.transaction(tenant_id=tenant_id) as tx:
        title = (await get_incident(tx, incident_id)).title
    try:
        hits = await search(gateway=gateway, db=db, tenant_id=tenant_id, actor=ACTOR,
                            query=f"{top['cause']} {top['ci']}", sources=["runbook", "article"], first=3)
    except DomainError:
        hits = []
    retrieved = [{"title": h.title, "link": h.link, "snippet": h.snippet[:300]} for h in hits]
    answer = await gateway.chat(tenant_id=tenant_id, actor=ACTOR, request=ChatRequest(
        task="runbook", question=f"How to fix {top['cause']} on {top['ci']}?",
        evidence=tuple(Evidence(id=f"kb:{n}", title=r["title"], text=r["snippet"]) for n, r in enumerate(retrieved))))
    draft = steps.runbook_draft(incident_title=title, top=top, retrieved=retrieved)
    draft["guidance"] = answer.text if not answer.flagged else ""
    return Output(result=draft, summary=f"Runbook draft ready: {draft['title']}", model_key=answer.model_key)


async def remediation(*, db: UnitOfWork, gateway: Gateway, tenant_id: uuid.UUID, incident_id: uuid.UUID,
                      prior: Any) -> Output:
    """A remediation plan whose actions name their risk, blast radius (CMDB) and approval."""
    from domain.cmdb.impact import impact_analysis

    top = _top(prior)
    if top is None:
        return Output(result={"skipped": True, "reason": "The RCA found no root cause to remediate."},
                      summary="No remediation plan: no root cause.")
    impacted: list[str] = []
    if top.get("ci_id"):
        async with db.transaction(tenant_id=tenant_id) as tx:
            report = await impact_analysis(tx, ci_ids=[uuid.UUID(top["ci_id"])])
            impacted = sorted(item.ci["name"] for item in report.affected)
    plan = steps.remediation_plan(top=top, impacted=impacted)
    action = plan["actions"][0]
    return Output(result=plan, summary=f"Remediation planned: {action['description']} "
                                       f"(risk {action['risk']}, needs {action['approval']} approval)")


async def verification(*, db: UnitOfWork, gateway: Gateway, tenant_id: uuid.UUID, incident_id: uuid.UUID,
                       prior: Any) -> Output:
    """Whether the signals that fired came back after the latest remediation run (waiting until one ran)."""
    remediation: verify.Remediation | None = prior.get("remediation")
    failed = list((prior.get("verification") or {}).get("failed_remediations") or [])
    if remediation is None:
        outcome = steps.waiting(failed=failed)
    else:
        async with db.transaction(tenant_id=tenant_id) as tx:
            checks = await verify.check_signals(tx, incident_id=incident_id, rca=prior.get("rca") or {},
                                                remediation=remediation, now=clock.now(),
                                                hold_minutes=prior["hold_minutes"])
        outcome = steps.verification(checks=checks, remediation=remediation.as_dict(), top=_top(prior),
                                     plan=prior.get("previous"), failed=failed)
    return Output(result=outcome, summary=outcome["summary"])


STEPS = {"rca": rca, "runbook": runbook, "remediation": remediation, "verification": verification}
