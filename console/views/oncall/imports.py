"""Import an on-call setup exported from PagerDuty, Opsgenie or Grafana OnCall: dry run first, then import.

The page shows what the import created (or, in a dry run, would create), whom it invited, and every field
of the export that could not be mapped, with the reason.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.csrf import MAX_FORM_FIELD
from console.forms import FormProblem, may, refused, submit, text
from console.guard import signed_in
from console.screens import page, run_screen, screen_status

TEMPLATE = "oncall/import.html"
SOURCES = {"pagerduty": "PAGERDUTY", "opsgenie": "OPSGENIE", "grafana-oncall": "GRAFANA_ONCALL"}


async def import_screen(request: Request, *, values: dict[str, str] | None = None,
                        outcome: dict[str, Any] | None = None) -> Response:
    """The import form, with an import's (or a dry run's) report."""
    data, errors = await run_screen(request, "ConsoleOnCallImport")
    context = {"errors": errors, "outcome": outcome or {}, "sources": tuple(SOURCES),
               "values": values or {"source": "pagerduty", "document": ""},
               "can_change": may(data, "alert.manage", "alerting")}
    status = screen_status(outcome, errors, loaded=bool(data.get("viewer")))
    return await page(request, TEMPLATE, context, block="screen", status_code=status)


async def import_page(request: Request) -> Response:
    """GET /console/oncall/import."""
    return await import_screen(request)


async def import_export(request: Request) -> Response:
    """POST /console/oncall/import: a dry run (the default) or the import itself."""
    form = await request.form(max_part_size=MAX_FORM_FIELD)
    values = {"source": text(form, "source"), "document": text(form, "document")}
    dry_run = text(form, "mode") != "import"
    try:
        if values["source"] not in SOURCES:
            raise FormProblem("Choose the tool the export comes from.", "source")
        upload = form.get("document_file")
        if isinstance(upload, UploadFile) and upload.filename:
            try:
                values["document"] = (await upload.read()).decode("utf-8-sig")
            except UnicodeDecodeError:
                raise FormProblem("The export file is not UTF-8 text.", "document") from None
        if not values["document"].strip():
            raise FormProblem("Paste the export or choose its file.", "document")
    except FormProblem as problem:
        return await import_screen(request, values=values, outcome=refused(problem.error))
    variables = {"input": {"source": SOURCES[values["source"]], "document": values["document"], "dryRun": dry_run}}
    return await submit(request, "ConsoleImportOnCall", "importOnCallSetup", variables,
                        show=partial(import_screen, values=values),
                        notice="Dry run: nothing was changed." if dry_run else "Imported.", form="import")


routes = [
    Route("/oncall/import", signed_in(import_page), methods=["GET"], name="console_oncall_import"),
    Route("/oncall/import", signed_in(import_export), methods=["POST"], name="console_oncall_import_post"),
]
