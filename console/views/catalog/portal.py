"""The catalog portal: items by category with a form for each, built from the item's JSON Schema
(text, number, yes/no and choice fields), and the latest requests. Raising one opens its tracking page."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import may, path, refused, submit, validation
from console.guard import signed_in
from console.screens import nodes, page, run_screen, screen_status

TEMPLATE = "catalog/portal.html"


def fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The form's fields (required first, then by name): name, label, kind (text, integer, number, boolean,
    choice), choices, required."""
    required = set(schema.get("required") or ())
    found = []
    for name, spec in (schema.get("properties") or {}).items():
        spec = spec if isinstance(spec, dict) else {}
        kind = "choice" if "enum" in spec else spec.get("type", "text")
        found.append({"name": name, "label": spec.get("title") or name, "kind": kind if kind in (
            "choice", "integer", "number", "boolean") else "text", "choices": spec.get("enum") or [],
            "required": name in required, "help": spec.get("description") or ""})
    return sorted(found, key=lambda f: (not f["required"], f["name"]))  # stored JSON keeps no key order


def answers_from(form: FormData, schema: dict[str, Any]) -> dict[str, Any]:
    """The answers as the form's types: numbers as numbers, yes/no as booleans, empty fields left out."""
    answers: dict[str, Any] = {}
    for field in fields(schema):
        raw = form.get(f"answer.{field['name']}")
        raw = raw.strip() if isinstance(raw, str) else ""
        if field["kind"] == "boolean":
            answers[field["name"]] = raw == "yes"
        elif raw and field["kind"] in ("integer", "number"):
            try:
                answers[field["name"]] = int(raw) if field["kind"] == "integer" else float(raw)
            except ValueError:
                answers[field["name"]] = raw  # the API names the field and the rule
        elif raw:
            answers[field["name"]] = raw
    return answers


async def catalog_screen(request: Request, *, outcome: dict[str, Any] | None = None,
                         values: dict[str, Any] | None = None) -> Response:
    data, errors = await run_screen(request, "ConsoleCatalog")
    items = data.get("catalogItems")
    context = {"errors": errors, "outcome": outcome or {}, "values": values or {},
               "items": [{**item, "fields": fields(item["formSchema"])} for item in items or ()],
               "requests": nodes(data.get("serviceRequests")) or [], "can_manage": may(data, "catalog.manage")}
    status = screen_status(outcome, errors, loaded=items is not None)
    return await page(request, TEMPLATE, context, block="screen", status_code=status)


async def catalog_page(request: Request) -> Response:
    """GET /console/catalog."""
    return await catalog_screen(request)


async def raise_request(request: Request) -> Response:
    """POST /console/catalog/{item_id}: raise a request with the form's answers, then track it."""
    item_id = request.path_params["item_id"]
    data, _ = await run_screen(request, "ConsoleCatalog")
    item = next((i for i in data.get("catalogItems") or () if i["id"] == item_id), None)
    form = await request.form()
    if item is None:
        return await catalog_screen(request, outcome=refused(validation("No such catalog item.", None)))
    answers = answers_from(form, item["formSchema"])
    return await submit(request, "ConsoleRaiseServiceRequest", "raiseServiceRequest",
                        {"itemId": item_id, "answers": answers}, show=catalog_screen, form=f"item:{item_id}",
                        values={"item": item_id, **{k: str(v) for k, v in answers.items()}},
                        go=lambda ok: path(request, "console_request", request_id=ok["request"]["id"]))


routes = [
    Route("/catalog", signed_in(catalog_page), methods=["GET"], name="console_catalog"),
    Route("/catalog/{item_id}", signed_in(raise_request), methods=["POST"], name="console_catalog_raise"),
]
