"""The later steps' drafts, built from the RCA's top hypothesis: a runbook draft (typed steps of the automation
layer), a remediation plan (each action with risk, blast radius and the approval it needs) and verification."""

from __future__ import annotations

import re
from typing import Any

import yaml

_ACTIONS = {  # cause keyword -> (automation action, what it does, risk)
    "bad change": ("rollback_change", "Roll back the change", "medium"),
    "cpu": ("scale_out", "Add instances of the service", "low"),
    "memory": ("restart_service", "Restart the service's instances one at a time", "medium"),
    "latency": ("failover", "Shift traffic to the healthy replica", "high"),
    "error": ("rollback_release", "Roll back to the last good release", "medium"),
}


def _action_for(cause: str) -> tuple[str, str, str]:
    lowered = cause.lower()
    for key, action in _ACTIONS.items():
        if key in lowered:
            return action
    return ("manual_investigation", "Investigate by hand", "low")


def runbook_draft(*, incident_title: str, top: dict[str, Any], retrieved: list[dict[str, str]]) -> dict[str, Any]:
    """A runbook draft for a person to edit and publish: ordered typed steps, checks, rollback, owner role."""
    ci, cause = top["ci"], top["cause"]
    action, what, _ = _action_for(cause)
    steps = [
        {"name": f"Confirm {cause} on {ci}", "kind": "manual",
         "instructions": f"Check the evidence: {', '.join(top['evidence_ids'])}."},
        {"name": "Approve the remediation", "kind": "approval", "approvers": ["incident_commander"]},
        {"name": what, "kind": "mutation", "action": action, "target": ci},
        {"name": "Wait for the signals to settle", "kind": "wait", "seconds": 300},
        {"name": f"Check {ci} is healthy", "kind": "condition", "check": f"no anomaly on {ci} for 5 minutes"},
    ]
    draft = {"title": f"Runbook draft: {cause} on {ci}", "for_incident": incident_title, "steps": steps,
             "checks": [f"{ci} metrics back under their baseline", "the incident's alerts resolved"],
             "rollback": f"Undo '{what}' on {ci} if the checks fail.", "owner_role": "sre",
             "status": "draft", "related_runbooks": retrieved, "evidence_ids": top["evidence_ids"]}
    return {**draft, "automation_yaml": automation_document(draft, ci=ci, action=action, what=what)}


def _slug(text: str) -> str:
    return (re.sub(r"[^a-z0-9_.-]+", "-", text.lower()).strip("-.") or "step")[:100]


def automation_document(draft: dict[str, Any], *, ci: str, action: str, what: str) -> str:
    """The draft as an automation Runbook document (YAML) a person imports, edits and publishes. The action
    itself is a manual step: which command or endpoint performs it is theirs to fill in."""
    spec = {"name": _slug(f"ai-{action}-{ci}"), "description": f"{draft['title']} (drafted by the AI pipeline for "
                                                               f"“{draft['for_incident']}”)"[:5000],
            "steps": [
                {"name": "confirm", "kind": "manual", "instructions": draft["steps"][0]["instructions"]},
                {"name": "approve", "kind": "approval", "summary": f"{what} on {ci}"},
                {"name": _slug(action), "kind": "manual", "instructions": (
                    f"{what} on {ci} (automation action {action}). Replace this step with the http or agent step "
                    f"that does it. Rollback: {draft['rollback']}")},
                {"name": "settle", "kind": "wait", "seconds": 300},
                {"name": "check", "kind": "manual", "instructions": "Check: " + "; ".join(draft["checks"]) + "."}]}
    return yaml.safe_dump({"apiVersion": "atlas/v1", "kind": "Runbook", "spec": spec}, sort_keys=False,
                          allow_unicode=True)


def remediation_plan(*, top: dict[str, Any], impacted: list[str]) -> dict[str, Any]:
    """Concrete actions mapped to automation actions, each with risk, blast radius and the approval it needs."""
    action, what, risk = _action_for(top["cause"])
    approval = "change_manager" if risk == "high" else "incident_commander"
    return {"actions": [{"action": action, "description": f"{what} ({top['ci']})", "target": top["ci"],
                         "risk": risk, "blast_radius": impacted, "approval": approval, "approved": False}],
            "note": "Nothing runs until the named approval is given in automation.",
            "evidence_ids": top["evidence_ids"]}


WAITING = "Waiting for a remediation to run: verification starts once one has finished and settled."


def waiting(*, failed: list[dict[str, Any]]) -> dict[str, Any]:
    """Before any remediation ran there is nothing to verify yet."""
    return {"state": "waiting", "verified": None, "checks": [], "remediation": None, "failed_remediations": failed,
            "learnt": ["no remediation has run yet"], "summary": WAITING}


def verification(*, checks: list[dict[str, Any]], remediation: dict[str, Any], top: dict[str, Any] | None,
                 plan: dict[str, Any] | None, failed: list[dict[str, Any]]) -> dict[str, Any]:
    """Verified when every signal that fired is back; otherwise the failed remediation is learnt (once per run)."""
    if not checks:
        return {"state": "no_signals", "verified": None, "checks": [], "remediation": remediation,
                "failed_remediations": failed, "learnt": ["no signal of the incident to watch"],
                "summary": f"Nothing to verify {remediation['runbook']} against: the incident has no signal to watch."}
    verified = all(c["ok"] for c in checks)
    learnt = [c["text"] for c in checks if not c["ok"]]
    reopen = not verified and all(f["run_id"] != remediation["run_id"] for f in failed)
    if reopen:
        action = ((plan or {}).get("actions") or [{}])[0]
        failed = [*failed, {**remediation, "ci": (top or {}).get("ci"), "cause": (top or {}).get("cause"),
                            "action": action.get("action"), "not_recovered": [c["id"] for c in checks if not c["ok"]]}]
    summary = (f"Verified: {remediation['runbook']} brought the signals back ({len(checks)} checked)." if verified
               else f"Not verified: {remediation['runbook']} ran but " + "; ".join(learnt)
               + (". RCA re-runs with this remediation demoted." if reopen else "."))
    return {"state": "verified" if verified else "not_verified", "verified": verified, "checks": checks,
            "remediation": remediation, "failed_remediations": failed, "learnt": learnt, "reopen": reopen,
            "summary": summary}
