"""/console/search: the top bar's search box. One GraphQL query (globalSearch) over every kind the viewer may read."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import path
from console.guard import signed_in
from console.screens import page, run_screen, status_for

# kind -> (what people call it, the route of its page, that route's parameter; None: the list page)
PLACES = {"INCIDENT": ("Incidents", "console_incident", "incident_id"),
          "CI": ("Configuration items", "console_cmdb_ci", "ci_id"),
          "ALERT_RULE": ("Alert rules", "console_alert_rule", "rule_id"),
          "CHANGE": ("Changes", "console_change", "change_id"),
          "PROBLEM": ("Problems", "console_problems", None),
          "KB_ARTICLE": ("Knowledge articles", "console_kb_article", "article_id"),
          "RUNBOOK": ("Runbooks", "console_automation", None)}
MAX_QUERY = 200


def grouped(request: Request, hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Hits grouped by kind, in the API's order, each with the path of its page."""
    groups: dict[str, dict[str, Any]] = {}
    for hit in hits:
        label, route, param = PLACES[hit["kind"]]
        href = path(request, route, **{param: hit["id"]}) if param else path(request, route)
        groups.setdefault(hit["kind"], {"label": label, "hits": []})["hits"].append({**hit, "href": href})
    return list(groups.values())


async def search_page(request: Request) -> Response:
    """GET /console/search?query=...: what matches, grouped by kind; the only hit is opened at once with ``go``."""
    query = request.query_params.get("query", "").strip()
    data, errors = ({}, [])
    if query:
        data, errors = await run_screen(request, "ConsoleGlobalSearch", {"query": query[:MAX_QUERY + 1]})
    groups = grouped(request, data.get("globalSearch") or [])
    context = {"query": query, "groups": groups, "errors": errors, "searched": bool(query)}
    return await page(request, "personal/search.html", context, block="results",
                      status_code=status_for(errors) if errors else 200)


routes = [Route("/search", signed_in(search_page), methods=["GET"], name="console_search")]
