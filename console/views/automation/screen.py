"""/console/automation: decide approvals, watch runs (their steps refresh every few seconds), import
runbooks and workflows as YAML, publish drafts, register agents (the key is shown once)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import submit, text
from console.guard import signed_in
from console.screens import page, run_screen, screen_status

TEMPLATE = "automation/screen.html"


async def _screen(request: Request, *, outcome: dict[str, Any] | None = None,
                  values: dict[str, Any] | None = None) -> Response:
    data, errors = await run_screen(request, "ConsoleAutomation", {})
    status = screen_status(outcome, errors, loaded=data.get("runbooks") is not None)
    context = {"data": data, "errors": errors, "outcome": outcome or {}, "values": values or {}}
    block = "runs" if request.headers.get("HX-Target") == "automation-runs" else "screen"
    return await page(request, TEMPLATE, context, block=block, status_code=status)


async def automation_page(request: Request) -> Response:
    """GET /console/automation."""
    return await _screen(request)


async def import_document(request: Request) -> Response:
    """POST /console/automation/import: save a runbook (as a draft) or workflow from YAML."""
    values = {"yaml": text(await request.form(), "yaml")}
    return await submit(request, "ConsoleImportAutomation", "importAutomation", {"yaml": values["yaml"]},
                        show=_screen, form="import", values=values, notice=_imported)


def _imported(ok: dict[str, Any]) -> str:
    if "runbook" in ok:
        return f"Runbook {ok['runbook']['name']} saved as draft version {ok['runbook']['version']}."
    return f"Workflow {ok['workflow']['name']} saved."


async def publish(request: Request) -> Response:
    """POST /console/automation/runbooks/{runbook_id}/publish."""
    runbook_id = request.path_params["runbook_id"]
    return await submit(request, "ConsolePublishRunbook", "publishRunbook", {"id": runbook_id}, show=_screen,
                        form=f"runbook:{runbook_id}",
                        notice=lambda ok: f"Version {ok['runbook']['version']} of {ok['runbook']['name']} published.")


async def decide(request: Request) -> Response:
    """POST /console/automation/approvals/{approval_id}: approve or reject (with a reason)."""
    form, approval_id = await request.form(), request.path_params["approval_id"]
    variables = {"input": {"id": approval_id, "approve": text(form, "decision") == "approve",
                           "reason": text(form, "reason")}}
    return await submit(request, "ConsoleDecideApproval", "decideApproval", variables, show=_screen,
                        form=f"approval:{approval_id}",
                        notice=lambda ok: f"Approval {ok['approval']['status'].lower()}.")


async def cancel(request: Request) -> Response:
    """POST /console/automation/runs/{run_id}/cancel."""
    run_id = request.path_params["run_id"]
    return await submit(request, "ConsoleCancelRun", "cancelRun", {"id": run_id}, show=_screen,
                        form=f"run:{run_id}", notice=lambda ok: f"Run of {ok['run']['runbookName']} cancelled.")


async def register(request: Request) -> Response:
    """POST /console/automation/agents: register an agent; its key is in this response only."""
    form = await request.form()
    values = {"name": text(form, "name"), "labels": text(form, "labels")}
    labels = [label.strip() for label in values["labels"].split(",") if label.strip()]
    return await submit(request, "ConsoleRegisterAgent", "registerAgent",
                        {"input": {"name": values["name"], "labels": labels}}, show=_screen, form="agent",
                        values=values, notice=lambda ok: f"Agent {ok['agent']['name']} registered.")


routes = [
    Route("/automation", signed_in(automation_page), methods=["GET"], name="console_automation"),
    Route("/automation/import", signed_in(import_document), methods=["POST"], name="console_automation_import"),
    Route("/automation/runbooks/{runbook_id}/publish", signed_in(publish), methods=["POST"],
          name="console_automation_publish"),
    Route("/automation/approvals/{approval_id}", signed_in(decide), methods=["POST"],
          name="console_automation_decide"),
    Route("/automation/runs/{run_id}/cancel", signed_in(cancel), methods=["POST"], name="console_automation_cancel"),
    Route("/automation/agents", signed_in(register), methods=["POST"], name="console_automation_register"),
]
