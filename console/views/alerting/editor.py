"""The alert rule editor: a new rule or a saved one, its version history and recent alerts, and a dry run.

Saving runs one mutation; the API's typed error goes beside the field it names, and nothing is saved.
The dry run posts the same form to ``alertRuleDryRun`` and, for htmx, answers with only the preview
panel; when the draft is refused the whole editor comes back instead (``HX-Retarget``), so the error
sits beside its field there too.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import FormProblem, may, path, refused, submit, text
from console.guard import signed_in
from console.render import is_htmx
from console.screens import page, run_screen, screen_status
from console.views.alerting.rule_form import (
    AGGREGATIONS,
    BLANK,
    DRY_RUN_HOURS,
    KINDS,
    LOG_LEVELS,
    OPERATORS,
    form_values,
    hours_of,
    rule_input,
    values_of,
)
from console.views.alerting.rules import rules_screen
from domain.incidents.models import SEVERITIES

TEMPLATE = "alerting/rule.html"
CHOICES = {"kinds": KINDS, "severities": SEVERITIES, "operators": OPERATORS, "aggregations": AGGREGATIONS,
           "log_levels": LOG_LEVELS, "hours_choices": DRY_RUN_HOURS}


def history(versions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each saved version (newest first) with the settings it changed from the one before."""
    found = []
    for index, version in enumerate(versions):
        before = versions[index + 1]["definition"] if index + 1 < len(versions) else None
        now = version["definition"]
        changed = sorted(key for key in now if before is not None and before.get(key) != now.get(key))
        found.append({**version, "changed": changed, "first": before is None})
    return found


def dry_run_view(dry: dict[str, Any], *, hours: int, kind: str) -> dict[str, Any]:
    """A dry run's answer for the panel: fired groups first, and how many incidents they would open."""
    groups = sorted(dry["groups"], key=lambda g: (g["firedAt"] is None, g["firedAt"] or "", -g["matches"]))
    incidents = {g["fingerprint"] for g in groups if g["firedAt"]}
    return {**dry, "groups": groups, "incidents": len(incidents), "hours": hours, "kind": kind}


async def _load(request: Request, rule_id: str | None) -> tuple[dict[str, Any], list[dict[str, Any]], bool]:
    """(data, errors, loaded) for the editor of a new rule, or of ``rule_id``."""
    if rule_id is None:
        data, errors = await run_screen(request, "ConsoleNewAlertRule")
        return data, errors, data.get("notificationTargets") is not None
    data, errors = await run_screen(request, "ConsoleAlertRule", {"id": rule_id})
    if not data.get("alertRule") and not errors:
        errors = [{"code": "NOT_FOUND", "message": "No such alert rule in this tenant.", "field": None}]
    return data, errors, bool(data.get("alertRule"))


async def editor_screen(
    request: Request, *, rule_id: str | None, values: dict[str, Any] | None = None,
    outcome: dict[str, Any] | None = None, dry_run: dict[str, Any] | None = None, hours: int = DRY_RUN_HOURS[1],
) -> Response:
    """The editor, filled with ``values`` (else the saved rule), with an outcome or a dry run to show."""
    data, errors, loaded = await _load(request, rule_id)
    rule = data.get("alertRule")
    if values is None:
        values = values_of(rule) if rule else dict(BLANK)
    context = {**CHOICES, "errors": errors, "outcome": outcome or {}, "values": values, "rule": rule,
               "rule_id": rule_id, "targets": data.get("notificationTargets") or [],
               "can_manage": may(data, "alert.manage", "alerting"),
               "history": history(rule["versions"]) if rule else [], "alerts": data.get("alerts") or [],
               "dry_run": dry_run, "hours": hours}
    status = screen_status(outcome, errors, loaded=loaded)
    return await page(request, TEMPLATE, context, block="screen", status_code=status)


async def new_rule_page(request: Request) -> Response:
    """GET /console/alerts/rules/new: an empty event rule."""
    return await editor_screen(request, rule_id=None)


async def rule_page(request: Request) -> Response:
    """GET /console/alerts/rules/{rule_id}: the rule, its history and its recent alerts."""
    return await editor_screen(request, rule_id=request.path_params["rule_id"])


async def create_rule(request: Request) -> Response:
    """POST /console/alerts/rules/new: save version 1 and open the rule, or show the form with the error."""
    values = form_values(await request.form())
    show = partial(editor_screen, rule_id=None)
    try:
        variables = {"input": rule_input(values)}
    except FormProblem as problem:
        return await show(request, values=values, outcome=refused(problem.error))
    return await submit(request, "ConsoleCreateAlertRule", "createAlertRule", variables, show=show, values=values,
                        go=lambda ok: path(request, "console_alert_rule", rule_id=ok["rule"]["id"]))


async def update_rule(request: Request) -> Response:
    """POST /console/alerts/rules/{rule_id}: save the form as the rule's next version."""
    rule_id, values = request.path_params["rule_id"], form_values(await request.form())
    show = partial(editor_screen, rule_id=rule_id)
    try:
        variables = {"id": rule_id, "input": rule_input(values)}
    except FormProblem as problem:
        return await show(request, values=values, outcome=refused(problem.error))
    return await submit(request, "ConsoleUpdateAlertRule", "updateAlertRule", variables, show=show, values=values,
                        notice=lambda ok: f"Rule {ok['rule']['name']} saved as version {ok['rule']['version']}.")


async def dry_run(request: Request) -> Response:
    """POST /console/alerts/rules/dry-run: what the form's draft would have fired; nothing is saved."""
    form = await request.form()
    values, hours, rule_id = form_values(form), hours_of(text(form, "hours")), text(form, "rule_id") or None
    try:
        variables = {"input": rule_input(values), "hours": hours}
    except FormProblem as problem:
        return _retarget(await editor_screen(request, rule_id=rule_id, values=values, outcome=refused(problem.error),
                                             hours=hours), request)
    data, errors = await run_screen(request, "ConsoleAlertRuleDryRun", variables)
    if errors or not data.get("alertRuleDryRun"):
        error = errors[0] if errors else {"code": "UNEXPECTED", "message": "Unexpected error.", "field": None}
        outcome = {"ok": None, "error": {**error, "general": not error.get("field")}}
        return _retarget(await editor_screen(request, rule_id=rule_id, values=values, outcome=outcome, hours=hours),
                         request)
    preview = dry_run_view(data["alertRuleDryRun"], hours=hours, kind=values["kind"])
    if is_htmx(request):
        return await page(request, TEMPLATE, {"dry_run": preview, "hours": hours}, block="dry_run")
    return await editor_screen(request, rule_id=rule_id, values=values, dry_run=preview, hours=hours)


async def delete_rule(request: Request) -> Response:
    """POST /console/alerts/rules/{rule_id}/delete: the rule and its alerts go (incidents it raised stay)."""
    rule_id, variables = request.path_params["rule_id"], {"id": request.path_params["rule_id"]}
    if request.headers.get("HX-Target") == "rules-screen":  # from the list: stay there
        return await submit(request, "ConsoleDeleteAlertRule", "deleteAlertRule", variables, show=rules_screen,
                            form=f"rule:{rule_id}", notice="Rule deleted.")
    return await submit(request, "ConsoleDeleteAlertRule", "deleteAlertRule", variables,
                        show=partial(editor_screen, rule_id=rule_id),
                        go=lambda ok: path(request, "console_alert_rules"))


def _retarget(response: Response, request: Request) -> Response:
    """For htmx: the answer is the whole editor, so swap it there instead of into the preview panel."""
    if is_htmx(request):
        response.headers["HX-Retarget"] = "#rule-editor-screen"
        response.headers["HX-Reswap"] = "outerHTML"
    return response


routes = [  # new and dry-run before {rule_id}
    Route("/alerts/rules/new", signed_in(new_rule_page), methods=["GET"], name="console_alert_rule_new"),
    Route("/alerts/rules/new", signed_in(create_rule), methods=["POST"], name="console_create_alert_rule"),
    Route("/alerts/rules/dry-run", signed_in(dry_run), methods=["POST"], name="console_alert_rule_dry_run"),
    Route("/alerts/rules/{rule_id}", signed_in(rule_page), methods=["GET"], name="console_alert_rule"),
    Route("/alerts/rules/{rule_id}", signed_in(update_rule), methods=["POST"], name="console_update_alert_rule"),
    Route("/alerts/rules/{rule_id}/delete", signed_in(delete_rule), methods=["POST"], name="console_delete_alert_rule"),
]
