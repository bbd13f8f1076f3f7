"""The CMDB list: configuration items by name, searched and filtered in the URL, a page at a time.

URL parameters: ``q`` (part of the name), ``class`` (that class and its subclasses), ``environment``,
``status`` (lifecycle), ``source``, ``stale`` (``yes`` or ``no``) and ``after`` (the page's cursor).
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import kept, may, next_url, url, validation
from console.guard import signed_in
from console.screens import nodes, page, run_screen, screen_status
from domain.cmdb.catalog import ENVIRONMENTS, LIFECYCLE, SOURCES

TEMPLATE = "cmdb/list.html"
FIELDS = ("q", "class", "environment", "status", "source", "stale")
STALE = {"yes": True, "no": False}
CHOICES = {"environments": ENVIRONMENTS, "lifecycles": LIFECYCLE, "sources": SOURCES}
ENUM_FIELDS = ("environment", "lifecycleStatus", "source", "origin")


def enum_name(word: str | None) -> str | None:
    """The API's enum value of a catalog word (``production`` is ``PRODUCTION``)."""
    return word.upper() if word else None


def plain(item: dict[str, Any]) -> dict[str, Any]:
    """A CI or relationship from the API with its enum fields as the catalog's words, as the screens show them."""
    return {**item, **{key: item[key].lower() for key in ENUM_FIELDS if isinstance(item.get(key), str)}}


def class_options(classes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The classes as a tree in reading order: each after its parent, with its depth below the roots."""
    children: dict[str | None, list[dict[str, Any]]] = {}
    keys = {c["key"] for c in classes}
    for ci_class in sorted(classes, key=lambda c: c["label"].casefold()):
        children.setdefault(ci_class["parent"] if ci_class["parent"] in keys else None, []).append(ci_class)
    found: list[dict[str, Any]] = []

    def visit(parent: str | None, depth: int) -> None:
        for ci_class in children.get(parent, ()):
            found.append({**ci_class, "depth": depth})
            visit(ci_class["key"], depth + 1)

    visit(None, 0)
    return found


def _checked(value: str, options: tuple[str, ...], label: str, field: str, errors: list) -> str | None:
    if value and value not in options:
        errors.append(validation(f"Unknown {label} {value!r}: choose from {', '.join(options)}.", field))
        return None
    return value or None


def parse_filters(params: QueryParams) -> tuple[dict[str, Any] | None, dict[str, str], list[dict[str, str]]]:
    """(the API's ``CiFilterInput``, the form's values, an error for each value that cannot be used)."""
    values, errors = {name: params.get(name, "").strip() for name in FIELDS}, []
    found = {"search": values["q"] or None, "classKey": values["class"] or None,
             "environment": enum_name(_checked(values["environment"], ENVIRONMENTS, "environment", "environment",
                                               errors)),
             "lifecycleStatus": enum_name(_checked(values["status"], LIFECYCLE, "lifecycle status", "status", errors)),
             "source": enum_name(_checked(values["source"], SOURCES, "source", "source", errors)),
             "stale": STALE.get(_checked(values["stale"], tuple(STALE), "stale choice", "stale", errors) or "")}
    return {key: value for key, value in found.items() if value is not None} or None, values, errors


async def cmdb_page(request: Request) -> Response:
    """GET /console/cmdb[?q=&class=&environment=&status=&source=&stale=&after=]: CIs by name."""
    filters, values, problems = parse_filters(request.query_params)
    data, errors = await run_screen(request, "ConsoleCmdb", {
        "filter": filters, "after": request.query_params.get("after") or None})
    connection = data.get("configurationItems")
    errors = problems + errors
    context = {"errors": errors, "values": values, **CHOICES, "classes": class_options(data.get("ciClasses") or []),
               "cis": [plain(ci) for ci in nodes(connection) or ()] if connection else None,
               "can_change": may(data, "cmdb.write", "cmdb"), "list_url": url(request, "console_cmdb"),
               "next_url": next_url(request, "console_cmdb", values, connection),
               "filtered": bool(kept(values))}
    status = screen_status(None, errors, loaded=connection is not None and not problems)
    return await page(request, TEMPLATE, context, block="screen", status_code=status)


routes = [Route("/cmdb", signed_in(cmdb_page), methods=["GET"], name="console_cmdb")]
