"""What each step computes (outside any transaction: model calls go through the gateway, which keeps its own)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from domain import clock
from domain.ai.pipeline import steps
from domain.ai.pipeline.evidence import gather, still_anomalous
from domain.ai.pipeline.rca import Hypothesis, checked_hypotheses, rank
from domain.ai.types import ChatRequest, Evidence
from domain.errors import DomainError
from domain.incidents.queries import get_incident
from domain.uow import fetch_sql

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
    radius = sorted(gathered.topology.radius())
    local = rank(gathered.signals, gathered.topology, start=gathered.start)
    answer = await gateway.chat(tenant_id=tenant_id, actor=ACTOR, request=ChatRequest(
        task="rca", question=RCA_QUESTION + ", ".join(radius), evidence=gathered.evidence()[:MAX_EVIDENCE],
        max_tokens=800))
    dropped, source = 0, "local heuristics"
    hypotheses: list[Hypothesis] = local
    if answer.provider != "local":
        kept, dropped = checked_hypotheses(answer.text, evidence_ids=gathered.ids(), cis=set(radius))
        hypotheses, source = (kept, "model") if kept else (local, "local heuristics (no grounded model answer)")
    top = [{**h.as_dict(), "ci_id": str(gathered.ci_ids[h.ci]) if h.ci in gathered.ci_ids else None}
           for h in hypotheses[:5]]
    evidence = [{"id": s.id, "kind": s.kind, "ci": s.ci, "text": s.text} for s in [*gathered.alerts, *gathered.signals]]
    summary = (f"Likely root cause: {top[0]['cause']} on {top[0]['ci']} ({top[0]['confidence']:.0%})" if top
               else "No root cause found in the evidence.")
    return Output(result={"hypotheses": top, "evidence": evidence[:MAX_EVIDENCE], "blast_radius": radius,
                          "source": source, "call_id": answer.call_id, "start": gathered.start},
                  summary=summary, dropped=dropped, model_key=answer.model_key)


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
    """Whether the signals that fired are back: the incident's alerts resolved, the root cause's metrics normal."""
    top, start = _top(prior), ((prior or {}).get("rca") or {}).get("start")
    async with db.transaction(tenant_id=tenant_id) as tx:
        alerts = await fetch_sql(tx.session, (
            "SELECT count(*) AS n FROM alerts WHERE tenant_id = $1 AND incident_id = $2 "
            "AND status IN ('pending', 'firing')"), tx.tenant_id, incident_id)
        anomalous = (await still_anomalous(tx, ci=top["ci"], start=start, now=clock.now().timestamp())
                     if top and start else [])
        runs = await fetch_sql(tx.session, (
            "SELECT count(*) AS n FROM automation_runs WHERE tenant_id = $1 AND subject->>'id' = $2 "
            "AND status = 'succeeded'"), tx.tenant_id, str(incident_id))
    outcome = steps.verification(open_alerts=alerts[0]["n"], still_anomalous=anomalous,
                                 remediation_ran=runs[0]["n"] > 0)
    return Output(result=outcome, summary="Verified: the signals are back to normal." if outcome["verified"]
                  else "Not verified yet: " + "; ".join(outcome["learnt"]))


STEPS = {"rca": rca, "runbook": runbook, "remediation": remediation, "verification": verification}
