"""The AI pipeline panel of an incident's page, as plain data: each step's state and what it produced (RCA
hypotheses with their evidence, the runbook draft, the remediation plan, the verification), and what the
viewer may do with it (re-run a step and draft updates with ai.use, import the draft with automation.manage)."""

from __future__ import annotations

import re
from typing import Any

from console.forms import may

STEPS = (("rca", "Root-cause analysis"), ("runbook", "Runbook draft"), ("remediation", "Remediation plan"),
         ("verification", "Verification"))
STATUS = {"pending": "queued", "running": "running", "done": "done", "failed": "failed"}
VERIFICATION = {"waiting": "waiting for a remediation", "verified": "verified", "not_verified": "not verified",
                "no_signals": "nothing to watch"}


def anchor(evidence_id: str) -> str:
    """The HTML id of a piece of evidence in the panel's evidence list."""
    return "evidence-" + re.sub(r"[^A-Za-z0-9_-]+", "-", evidence_id)


def _step(name: str, label: str, row: dict[str, Any] | None) -> dict[str, Any]:
    if row is None:
        return {"name": name, "label": label, "state": "not started", "status": "none", "row": None, "result": {}}
    result = row.get("result") or {}
    state = STATUS.get(row["status"], row["status"])
    if row["status"] == "done" and result.get("skipped"):
        state = "skipped"
    elif row["status"] == "done" and name == "verification":
        state = VERIFICATION.get(result.get("state"), state)
    return {"name": name, "label": label, "state": state, "status": row["status"], "row": row, "result": result}


def pipeline_context(data: dict[str, Any]) -> dict[str, Any]:
    """The panel's data from ``ConsoleIncident``'s answer (``incidentAiPipeline``)."""
    rows = {row["step"]: row for row in data.get("incidentAiPipeline") or ()}
    steps = [_step(name, label, rows.get(name)) for name, label in STEPS]
    rca = rows.get("rca") or {}
    evidence = [{**item, "anchor": anchor(item["id"])} for item in (rca.get("result") or {}).get("evidence") or ()]
    known = {item["id"] for item in evidence}
    hypotheses = [{**h, "evidence": [{"id": e, "anchor": anchor(e) if e in known else None} for e in h["evidenceIds"]]}
                  for h in rca.get("hypotheses") or ()]
    return {"steps": steps, "started": bool(rows), "hypotheses": hypotheses, "evidence": evidence,
            "can_rerun": may(data, "ai.use"), "can_draft": may(data, "ai.use"),
            "can_import": may(data, "automation.manage", "automation")}
