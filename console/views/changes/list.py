"""The change list: every change newest first; ``view=cab`` the CAB queue (under review); ``view=calendar``
the changes planned in the next ``days`` (default 14) by start, grouped by day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import may, path, validation
from console.guard import signed_in
from console.screens import nodes, page, run_screen, screen_status

TEMPLATE = "changes/list.html"
VIEWS = ("all", "cab", "calendar")


def plain(change: dict[str, Any]) -> dict[str, Any]:
    """A change from the API with its enums as the words the screens show (``CAB_REVIEW`` is ``cab review``)."""
    return {**change, "type": change["type"].lower(), "state": change["state"].lower().replace("_", " ")}


def _filter(view: str, days: int) -> dict[str, Any] | None:
    if view == "cab":
        return {"states": ["CAB_REVIEW"]}
    if view == "calendar":
        now = datetime.now(UTC)
        return {"windowFrom": now.isoformat(), "windowTo": (now + timedelta(days=days)).isoformat()}
    return None


def by_day(changes: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Changes grouped by the UTC day their window starts."""
    return [(day, list(group)) for day, group in groupby(changes, key=lambda c: (c["plannedStart"] or "")[:10])]


async def changes_page(request: Request) -> Response:
    """GET /console/changes[?view=all|cab|calendar&days=&after=]."""
    view = request.query_params.get("view") or "all"
    problems = [] if view in VIEWS else [validation(f"Unknown view {view!r}: choose all, cab or calendar.", "view")]
    days = request.query_params.get("days", "14")
    days = int(days) if days.isdigit() and 1 <= int(days) <= 90 else 14
    data, errors = await run_screen(request, "ConsoleChanges", {
        "filter": _filter(view, days), "after": request.query_params.get("after") or None})
    connection = data.get("changes")
    changes = [plain(c) for c in nodes(connection) or ()]
    context = {"errors": problems + errors, "view": view if not problems else "all", "days": days,
               "changes": changes if connection else None, "calendar": by_day(changes),
               "can_change": may(data, "change.write", "changes"), "can_approve": may(data, "change.approve"),
               "list_url": path(request, "console_changes"),
               "next_after": connection["pageInfo"]["endCursor"] if connection and
               connection["pageInfo"]["hasNextPage"] else None}
    status = screen_status(None, problems + errors, loaded=connection is not None and not problems)
    return await page(request, TEMPLATE, context, block="screen", status_code=status)


routes = [Route("/changes", signed_in(changes_page), methods=["GET"], name="console_changes")]
