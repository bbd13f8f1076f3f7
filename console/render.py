"""Template rendering: the full page, or only the named block for an htmx request."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import pass_context
from jinja2_fragments import render_block
from jinja2_fragments.starlette import Jinja2Blocks
from starlette.requests import Request
from starlette.responses import Response

TEMPLATES = Jinja2Blocks(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.trim_blocks = True
TEMPLATES.env.lstrip_blocks = True


@pass_context
def path_for(context: dict, name: str, /, **params: Any) -> str:
    """The path (not the absolute URL) of a named route, so pages work behind any proxy."""
    return str(context["request"].app.url_path_for(name, **params))


def when(value: str | None) -> str:
    """An ISO timestamp from the API as ``2025-01-31 14:05 UTC``; empty for none."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def duration(seconds: int | None) -> str:
    """Seconds as ``2 d 3 h``, ``1 h 5 min``, ``4 min`` or ``12 s``; empty for none."""
    if seconds is None:
        return ""
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min" if minutes else f"{secs} s"


def age(value: str | None, *, now: datetime | None = None) -> str:
    """How long ago an ISO timestamp from the API was, coarsely: ``3 h``, ``2 d``."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = int(((now or datetime.now(UTC)) - moment).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return "just now"


TEMPLATES.env.globals["path_for"] = path_for
TEMPLATES.env.filters["when"] = when
TEMPLATES.env.filters["duration"] = duration
TEMPLATES.env.filters["age"] = age


def is_htmx(request: Request) -> bool:
    """True for requests htmx made (and that did not ask for a full page via boost)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def render(
    request: Request, template: str, context: dict[str, Any], *, block: str | None = None,
    status_code: int = 200,
) -> Response:
    """Render ``template``; for an htmx request and a ``block``, only that block."""
    block_name = block if block and is_htmx(request) else None
    return TEMPLATES.TemplateResponse(
        request, template, context, block_name=block_name, status_code=status_code
    )


def fragment(request: Request, template: str, block: str, context: dict[str, Any]) -> str:
    """One block of ``template`` as HTML text (for server-sent events)."""
    return render_block(TEMPLATES.env, template, block, {"request": request, **context}).strip()
