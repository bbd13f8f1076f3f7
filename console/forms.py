"""What the console's forms share: reading fields, refusing input the API could not even parse, placing
the API's typed errors beside the form and field they name, URLs that keep a form's values, one check of
what the viewer may do, and :func:`submit`, the shape of nearly every POST::

    async def revoke_key(request):
        key_id = request.path_params["key_id"]
        return await submit(request, "ConsoleRevokeApiKey", "revokeApiKey", {"id": key_id}, show=keys_screen,
                            form=f"key:{key_id}", notice=lambda ok: f"API key {ok['apiKey']['name']} revoked.")

An *outcome* is what a screen shows about a change: ``{"ok": success payload or None, "error": {code,
message, field} or None, "form": the form the error belongs to, or None for the top of the screen}`` plus
what the change adds (``notice``, a one-time ``link``...). Templates read ``outcome.form`` and
``outcome.error.field`` to put an error beside its field.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from console.guard import go_to
from console.screens import run_screen
from resolvers.scalars import EARLIEST, LATEST

Outcome = dict[str, Any]
Show = Callable[..., Awaitable[Response]]
Notice = str | Callable[[dict[str, Any]], str] | None
TOP_CODES = ("NOT_FOUND",)  # the thing acted on is gone: no form of it is left to show the error beside
TOP_FIELDS = ("id", "userId")  # the row a form acts on, not one of its fields


# ---- reading a form

def text(form: FormData, name: str) -> str:
    """A form field as stripped text ("" when missing or a file)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def choices(form: FormData, name: str) -> list[str]:
    """Every non-empty value of a repeated form field (checkboxes)."""
    return [value.strip() for value in form.getlist(name) if isinstance(value, str) and value.strip()]


# ---- problems found before the API

class FormProblem(ValueError):
    """A field that cannot even be sent to the API; ``error`` is shaped like the API's."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.error = validation(message, field)


def validation(message: str, field: str | None) -> dict[str, Any]:
    """An error found before asking the API, shaped like the API's."""
    return {"code": "VALIDATION", "message": message, "field": field}


def refused(error: dict[str, Any], form: str | None = None) -> Outcome:
    """The outcome of input refused before reaching the API: ``error`` beside ``form``."""
    return {"ok": None, "error": error, "form": form}


def parse_day(raw: str, label: str, field: str, errors: list[dict[str, Any]]) -> date | None:
    """A date from the form; None, and an error, when it is not one."""
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        errors.append(validation(f"{label} must be a date (YYYY-MM-DD).", field))
        return None


def parse_moment(raw: str, label: str, field: str, errors: list[dict[str, Any]],
                 zone: tzinfo = UTC) -> datetime | None:
    """A date and time from the form, in UTC (naive means in ``zone``: the person's time zone where the field
    says so); None, and an error, when it is not one."""
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
        moment = (moment.replace(tzinfo=zone) if moment.tzinfo is None else moment).astimezone(UTC)
    except (ValueError, OverflowError):
        errors.append(validation(f"{label} must be a date and time (YYYY-MM-DDTHH:MM).", field))
        return None
    if not EARLIEST <= moment < LATEST:
        errors.append(validation(f"{label} must be from {EARLIEST.year} to {LATEST.year - 1}.", field))
        return None
    return moment


# ---- the API's answer to a mutation, placed on the screen

async def run_mutation(request: Request, operation: str, field: str, variables: dict[str, Any]) -> Outcome:
    """Run a mutation; returns ``{"ok": success payload or None, "error": {code, message, field} or None}``."""
    data, errors = await run_screen(request, operation, variables)
    payload = data.get(field)
    if payload is None:
        first = errors[0] if errors else {"code": "UNEXPECTED", "message": "Unexpected error."}
        if first["code"] == "VALIDATION" and first.get("field"):  # refused before resolving, e.g. a NUL
            return {"ok": None, "error": first}
        return {"ok": None, "error": {**first, "field": None, "general": True}}
    if "code" in payload:
        return {"ok": None, "error": payload}
    return {"ok": payload, "error": None}


def scope(
    outcome: Outcome, form: str | None, *, top_codes: tuple[str, ...] = TOP_CODES,
    top_fields: tuple[str, ...] = TOP_FIELDS, fields: Mapping[str, str] | None = None,
) -> Outcome:
    """Tie an outcome to the form it came from: an error naming an API field the form calls otherwise is
    renamed (``fields``), and an error about no field of that form goes to the top."""
    error = outcome["error"]
    if error and fields and error.get("field") in fields:
        error = {**error, "field": fields[error["field"]]}
    general = bool(error) and (error.get("general") or error["code"] in top_codes
                               or error.get("field") in top_fields)
    return {**outcome, "error": error, "form": None if general else form}


async def submit(
    request: Request, operation: str, field: str, variables: dict[str, Any], *, show: Show,
    form: str | None = None, values: dict[str, Any] | None = None, notice: Notice = None,
    more: Callable[[dict[str, Any]], dict[str, Any]] | None = None, go: Callable[[dict[str, Any]], str] | None = None,
    place: Callable[[Outcome, str | None], Outcome] = scope,
) -> Response:
    """Run a mutation, then show the screen again (``show``): on success with its ``notice`` (and what
    ``more`` adds), or go to ``go``'s path; on an error, with the error beside ``form`` and the submitted
    ``values`` still in it."""
    outcome = place(await run_mutation(request, operation, field, variables), form)
    ok = outcome["ok"]
    if ok is None:
        return await (show(request, outcome=outcome, values=values) if values is not None
                      else show(request, outcome=outcome))
    if go is not None:
        return go_to(request, go(ok))
    if notice is not None:
        outcome["notice"] = notice(ok) if callable(notice) else notice
    return await show(request, outcome={**outcome, **(more(ok) if more else {})})


# ---- who may do what

def may(data: dict[str, Any], permission: str, feature: str | None = None) -> bool:
    """Whether the viewer in an operation's answer holds ``permission`` (and its plan has ``feature``)."""
    viewer = data.get("viewer") or {}
    return permission in (viewer.get("permissions") or ()) and (
        feature is None or feature in (viewer.get("features") or ()))


# ---- URLs that keep a form's values

def path(request: Request, route: str, **params: Any) -> str:
    """The path of a named route."""
    return str(request.app.url_path_for(route, **params))


def kept(values: dict[str, Any]) -> list[tuple[str, str]]:
    """Form values as URL parameters: lists repeat, empty values are left out."""
    pairs: list[tuple[str, str]] = []
    for name, value in values.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            if item not in ("", None):
                pairs.append((name, str(item)))
    return pairs


def url(request: Request, route: str, pairs: list[tuple[str, str]] | None = None, **params: Any) -> str:
    """The path of ``route`` with ``pairs`` as its query string."""
    found = path(request, route, **params)
    return f"{found}?{urlencode(pairs)}" if pairs else found


def next_url(request: Request, route: str, values: dict[str, Any], connection: dict[str, Any] | None) -> str | None:
    """The next (older) page of a connection, keeping the filters; None on the last page."""
    info = (connection or {}).get("pageInfo") or {}
    if not info.get("hasNextPage"):
        return None
    return url(request, route, [*kept(values), ("after", info["endCursor"])])
