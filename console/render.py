"""Template rendering: the full page, or only the named block for an htmx request."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import pass_context
from jinja2_fragments import render_block
from jinja2_fragments.starlette import Jinja2Blocks
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from domain.members.settings import DEFAULT_TIME_ZONE, THEMES, zone

TEMPLATES = Jinja2Blocks(directory=str(Path(__file__).parent / "templates"))
UTC_ZONE = ZoneInfo(DEFAULT_TIME_ZONE)
TEMPLATES.env.trim_blocks = True
TEMPLATES.env.lstrip_blocks = True


@pass_context
def path_for(context: dict, name: str, /, **params: Any) -> str:
    """The path (not the absolute URL) of a named route, so pages work behind any proxy."""
    return str(context["request"].app.url_path_for(name, **params))


def zone_of(request: Request | None) -> ZoneInfo:
    """The time zone of the person behind ``request`` (their setting), UTC before sign-in."""
    principal = getattr(getattr(request, "state", None), "principal", None)
    return zone(getattr(principal, "time_zone", None))


def viewer_zone(context) -> ZoneInfo:
    """The signed-in person's time zone (their setting), UTC before sign-in."""
    return zone_of(context.get("request"))


@pass_context
def viewer_zone_name(context) -> str:
    """The name of the signed-in person's time zone, e.g. ``Asia/Kolkata`` (for labels of time fields)."""
    return viewer_zone(context).key


@pass_context
def viewer_theme(context) -> str:
    """The signed-in person's colour theme: system (follow the device), light or dark."""
    request = context.get("request")
    principal = getattr(getattr(request, "state", None), "principal", None)
    theme = getattr(principal, "theme", "system")
    return theme if theme in THEMES else "system"


def _moment(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def format_moment(value: str | None, tz: ZoneInfo, *, precise: bool = False) -> str:
    """An ISO timestamp from the API as ``2025-01-31 14:05 UTC`` in ``tz`` (``precise``: to the millisecond,
    ``2025-01-31 14:05:03.120 UTC``); empty for none."""
    if not value:
        return ""
    moment = _moment(value)
    if moment is None:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(tz)
    text = moment.strftime("%Y-%m-%d %H:%M")
    if precise:
        text += moment.strftime(":%S.") + f"{moment.microsecond // 1000:03d}"
    return text + moment.strftime(" %Z") if moment.tzinfo is not None else text


@pass_context
def when_text(context, value: str | None, precise: bool = False) -> str:
    """A timestamp as plain text in the viewer's time zone (for attributes such as ``title``)."""
    return format_moment(value, viewer_zone(context), precise=precise)


@pass_context
def when(context, value: str | None, precise: bool = False) -> Markup | str:
    """A timestamp in the viewer's time zone, as ``<time>`` with the UTC time on hover; empty for none.
    ``precise`` shows milliseconds (the telemetry explorer)."""
    moment = _moment(value)
    if moment is None or moment.tzinfo is None:
        return format_moment(value, UTC_ZONE, precise=precise)
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        moment.astimezone(UTC).isoformat(), format_moment(value, UTC_ZONE, precise=precise),
        format_moment(value, viewer_zone(context), precise=precise))


ERROR_TITLES = {
    # every code the API's typed errors carry (tests/console/test_error_titles.py finds them in the code)
    "VALIDATION": "Check what you entered", "INVALID": "Not accepted", "BAD_REQUEST": "Not accepted",
    "NOT_FOUND": "Not found", "CONFLICT": "Changed or already done",
    "ILLEGAL_TRANSITION": "Not possible from this state", "INCIDENT_CLOSED": "The incident is closed",
    "FORBIDDEN": "You may not do this", "NOT_ENTITLED": "Not in your plan", "UNAUTHENTICATED": "Sign in again",
    "UNEXPECTED": "Something went wrong on our side", "UNAVAILABLE": "Briefly unavailable, try again",
    "CSRF": "The form expired", "IMPORT_REJECTED": "The import was refused", "QUERY_TOO_COSTLY": "Too much at once",
    "SELF_APPROVAL": "You cannot approve your own change", "NOT_CAB_MEMBER": "Only the CAB may vote",
    "ALREADY_VOTED": "You already voted", "CHANGE_COLLISION": "Another change overlaps",
    "WINDOW_PASSED": "The planned window has passed", "ALREADY_LINKED": "Already linked",
    "NOT_A_PERSON": "Only people may do this", "NOT_UNDER_REVIEW": "Not under review",
    "NOT_AWAITING_APPROVAL": "Not awaiting approval",
    # sign-in, sessions and links
    "SESSIONS_REVOKED": "Signed out everywhere, sign in again",
    "ENTITLEMENTS_STALE": "Your plan changed, sign in again",
    "TENANT_SUSPENDED": "The tenant is suspended", "TENANT_MISMATCH": "Another tenant's token",
    "TENANT_NOT_HOSTED": "This tenant is served elsewhere, sign in again",
    "TOO_MANY_ATTEMPTS": "Too many attempts, wait a moment", "LINK_INVALID": "The link is not valid",
    "LINK_MISMATCH": "The link is for something else", "LINK_EXPIRED": "The link has expired",
    "SECRET_UNREADABLE": "A stored secret must be entered again",
    # limits, billing, ingest
    "LIMIT_REACHED": "Your plan's limit is reached", "RATE_LIMITED": "Too many requests, slow down",
    "BILLING_PROVIDER_UNAVAILABLE": "The payment provider is unavailable",
    "INVALID_PAYLOAD": "The payload was not understood",
    # AI
    "NOT_ENOUGH_CREDITS": "Not enough AI credits", "MODEL_NOT_APPROVED": "The AI model is not approved",
    "MODEL_FORBIDDEN": "Your policy forbids this AI model", "AI_UNAVAILABLE": "The AI models are unavailable",
    "MODEL_REJECTED": "The AI model refused the request", "BUSY": "Busy, try again shortly",
}


def error_title(code: str | None) -> str:
    """A person's words for a typed error code (the code itself stays on the element, shown on hover)."""
    if not code:
        return "Refused"
    return ERROR_TITLES.get(code, code.replace("_", " ").capitalize())


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
TEMPLATES.env.globals["viewer_theme"] = viewer_theme
TEMPLATES.env.globals["viewer_zone_name"] = viewer_zone_name
TEMPLATES.env.filters["when"] = when
TEMPLATES.env.filters["when_text"] = when_text
TEMPLATES.env.filters["duration"] = duration
TEMPLATES.env.filters["error_title"] = error_title
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


def error_line(code: str | None, message: str, *, tag: str = "p") -> Markup:
    """An error as markup outside a template (e.g. a live stream's status): the ``error_line`` macro."""
    macro = TEMPLATES.env.get_template("_macros.html").module.error_line
    return Markup(macro({"code": code, "message": message}, tag=tag))


def fragment(request: Request, template: str, block: str, context: dict[str, Any]) -> str:
    """One block of ``template`` as HTML text (for server-sent events)."""
    return render_block(TEMPLATES.env, template, block, {"request": request, **context}).strip()
