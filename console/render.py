"""Template rendering: the full page, or only the named block for an htmx request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import pass_context
from jinja2_fragments.starlette import Jinja2Blocks
from starlette.requests import Request
from starlette.responses import Response

TEMPLATES = Jinja2Blocks(directory=str(Path(__file__).parent / "templates"))


@pass_context
def path_for(context: dict, name: str, /, **params: Any) -> str:
    """The path (not the absolute URL) of a named route, so pages work behind any proxy."""
    return str(context["request"].app.url_path_for(name, **params))


TEMPLATES.env.globals["path_for"] = path_for


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
