"""What the telemetry explorer's screens share: the time range in the URL, trace links, durations.

Every explorer URL carries its filters: ``range`` (a preset: 15m, 1h, 24h, 7d) or a custom ``since``
and/or ``until`` (``YYYY-MM-DDTHH:MM[:SS]``, in the viewer's time zone unless an offset is given), which
override the preset. Times are shown in the viewer's zone too (the ``when`` filter, UTC on hover).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request

from console.forms import kept, next_url, parse_moment, path, url, validation
from console.render import zone_of
from console.screens import run_screen

PRESETS = {"15m": ("last 15 min", timedelta(minutes=15)), "1h": ("last hour", timedelta(hours=1)),
           "24h": ("last 24 h", timedelta(hours=24)), "7d": ("last 7 days", timedelta(days=7))}
DEFAULT_PRESET = "1h"


@dataclass(frozen=True)
class Window:
    """A time range to ask the API for (its checks decide whether it is acceptable)."""

    since: datetime
    until: datetime

    def variables(self) -> dict[str, str]:
        """``since`` and ``until`` as the API's DateTime values."""
        return {"since": self.since.isoformat(), "until": self.until.isoformat()}


def window_values(params: QueryParams) -> dict[str, str]:
    """The time range fields as the user sent them."""
    return {name: params.get(name, "").strip() for name in ("range", "since", "until")}


def parse_window(params: QueryParams, errors: list[dict[str, str]], *, zone: tzinfo = UTC,
                 now: datetime | None = None) -> Window:
    """The time range of the URL: custom bounds first (a time without offset is in ``zone``, the viewer's),
    else the preset (default: the last hour)."""
    values = window_values(params)
    preset = values["range"] or DEFAULT_PRESET
    if preset not in PRESETS:
        errors.append(validation(f"Unknown range {preset!r}: choose from {', '.join(PRESETS)}.", "range"))
        preset = DEFAULT_PRESET
    since = parse_moment(values["since"], "Since", "since", errors, zone)
    until = parse_moment(values["until"], "Until", "until", errors, zone)
    end = until or now or datetime.now(UTC)
    return Window(since=since or end - PRESETS[preset][1], until=end)


def request_window(request: Request, errors: list[dict[str, str]]) -> Window:
    """The time range of a request's URL, typed times read in the viewer's time zone."""
    return parse_window(request.query_params, errors, zone=zone_of(request))


async def page_of(request: Request, operation: str, field: str, variables: dict[str, Any],
                  errors: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """(one page of a filtered connection, errors): the ``after`` cursor's page; none when the form has errors."""
    if errors:
        return None, errors
    data, errors = await run_screen(request, operation,
                                    {"filter": variables, "after": request.query_params.get("after") or None})
    return data.get(field), errors


def page_links(request: Request, route: str, values: dict[str, Any],
               connection: dict[str, Any] | None) -> dict[str, str | None]:
    """A paged list's links: without filters, back to the first page (when on a later one), the next page."""
    first = url(request, route, kept(values)) if request.query_params.get("after") else None
    return {"list_url": url(request, route), "first_url": first,
            "next_url": next_url(request, route, values, connection)}


def trace_url(request: Request, trace_id: str | None) -> str | None:
    """The waterfall of a trace, when there is one."""
    return path(request, "console_explore_trace", trace_id=trace_id) if trace_id else None


def milliseconds(value: float | None) -> str:
    """A duration in milliseconds as ``0.42 ms``, ``12 ms`` or ``3.2 s``."""
    if value is None:
        return ""
    if value >= 1000:
        return f"{value / 1000:.3g} s"
    return f"{value:.3g} ms" if value < 100 else f"{value:.0f} ms"
