"""CMDB import and export: download the CIs and relationships as JSON or CSV, and import such documents.

An import is all or nothing: the API either imports every row (and says how many were created, updated
or unchanged) or rejects the lot with an error per bad row, which the page lists as a table.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.csrf import MAX_FORM_FIELD
from console.forms import FormProblem, may, refused, submit, text
from console.guard import signed_in
from console.screens import page, run_screen, screen_status, status_for

TEMPLATE = "cmdb/transfer.html"
FORMATS = {"json": "application/json", "csv": "text/csv; charset=utf-8"}
PARTS = ("cis", "relationships")
EXPORTS = tuple(f"{part}.{fmt}" for fmt in FORMATS for part in PARTS)


async def transfer_screen(request: Request, *, values: dict[str, str] | None = None,
                          outcome: dict[str, Any] | None = None) -> Response:
    """The export links and the import form, with an import's outcome."""
    data, errors = await run_screen(request, "ConsoleCmdbTransfer")
    context = {"errors": errors, "outcome": outcome or {}, "exports": EXPORTS, "formats": tuple(FORMATS),
               "values": values or {"format": "json", "cis": "", "relationships": ""},
               "can_change": may(data, "cmdb.write", "cmdb")}
    status = screen_status(outcome, errors, loaded=bool(data.get("viewer")))
    return await page(request, TEMPLATE, context, block="screen", status_code=status)


async def transfer_page(request: Request) -> Response:
    """GET /console/cmdb/transfer."""
    return await transfer_screen(request)


async def export_file(request: Request) -> Response:
    """GET /console/cmdb/export/{cis|relationships}.{json|csv}: one export document, as a download."""
    filename = request.path_params["filename"]
    if filename not in EXPORTS:
        errors = [{"code": "NOT_FOUND", "message": f"No export named {filename!r}: {', '.join(EXPORTS)}.",
                   "field": None}]
        return await transfer_screen(request, outcome={"ok": None, "error": {**errors[0], "general": True}})
    part, fmt = filename.split(".")
    data, errors = await run_screen(request, "ConsoleCmdbExport", {"format": fmt.upper()})
    if not data.get("cmdbExport"):
        context = {"errors": errors, "outcome": {}, "exports": EXPORTS, "formats": tuple(FORMATS), "values": {},
                   "can_change": False}
        return await page(request, TEMPLATE, context, block="screen", status_code=status_for(errors))
    return Response(data["cmdbExport"][part], media_type=FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="cmdb-{filename}"'})


async def _document(form: FormData, part: str) -> str:
    """A part of the import: its uploaded file if one was chosen, else its textarea."""
    upload = form.get(f"{part}_file")
    if isinstance(upload, UploadFile) and upload.filename:
        try:
            return (await upload.read()).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FormProblem(f"The {part} file is not UTF-8 text.", part) from None
    value = form.get(part)
    return value if isinstance(value, str) else ""


async def import_documents(request: Request) -> Response:
    """POST /console/cmdb/transfer: import the documents (all rows or none)."""
    form = await request.form(max_part_size=MAX_FORM_FIELD)
    values = {"format": text(form, "format"), "cis": text(form, "cis"), "relationships": text(form, "relationships")}
    try:
        if values["format"] not in FORMATS:
            raise FormProblem("Choose a format: JSON or CSV.", "format")
        documents = {part: await _document(form, part) for part in PARTS}
    except FormProblem as problem:
        return await transfer_screen(request, values=values, outcome=refused(problem.error))
    return await submit(request, "ConsoleImportCmdb", "importCmdb", {"format": values["format"].upper(), **documents},
                        show=partial(transfer_screen, values=values), notice="Imported.")


routes = [
    Route("/cmdb/transfer", signed_in(transfer_page), methods=["GET"], name="console_cmdb_transfer"),
    Route("/cmdb/transfer", signed_in(import_documents), methods=["POST"], name="console_cmdb_import"),
    Route("/cmdb/export/{filename}", signed_in(export_file), methods=["GET"], name="console_cmdb_export"),
]
