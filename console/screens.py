"""What every screen shares: run a named operation in-process, read its outcome, render the page."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from console.render import is_htmx, render
from resolvers.context import Context
from resolvers.errors import UNEXPECTED_ERROR_MESSAGE

ERROR_STATUS = {"VALIDATION": 400, "NOT_FOUND": 404, "CONFLICT": 409, "ILLEGAL_TRANSITION": 409,
                "INCIDENT_CLOSED": 409, "FORBIDDEN": 403, "NOT_ENTITLED": 403, "UNAUTHENTICATED": 401,
                "UNEXPECTED": 500,
                # ITSM
                "SELF_APPROVAL": 403, "NOT_CAB_MEMBER": 403, "NOT_A_PERSON": 403, "ALREADY_VOTED": 409,
                "NOT_UNDER_REVIEW": 409, "CHANGE_COLLISION": 409, "WINDOW_PASSED": 409, "ALREADY_LINKED": 409,
                "NOT_AWAITING_APPROVAL": 409}


def screen_context(request: Request) -> Context:
    """The GraphQL context for an in-process operation on behalf of this request's user."""
    return Context(
        request=request,
        response=None,
        runtime=request.app.state.runtime,
        principal=getattr(request.state, "principal", None),
    )


async def run_screen(
    request: Request, operation: str, variables: dict[str, Any] | None = None
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Execute ``operation`` for this request; returns (data, errors as ``{code, message, field}``)."""
    runner = request.app.state.operations
    result = await runner.run(
        operation, context=screen_context(request), variables=variables, method=request.method
    )
    errors = [{"code": _code(error), "message": error.message, "field": (error.extensions or {}).get("field")}
              for error in result.errors or ()]
    return result.data or {}, errors


def _code(error) -> str:
    """An error's code; GraphQL's own input errors (e.g. an Int out of range) carry none and are the caller's."""
    code = (error.extensions or {}).get("code")
    if code:
        return code
    return "UNEXPECTED" if error.message == UNEXPECTED_ERROR_MESSAGE else "VALIDATION"


def nodes(connection: dict[str, Any] | None) -> list[dict[str, Any]] | None:
    """A connection's nodes, each with its cursor; None when the API gave no connection."""
    if connection is None:
        return None
    return [{**edge["node"], "cursor": edge["cursor"]} for edge in connection["edges"]]


def status_for(errors: list[dict[str, Any]]) -> int:
    """The HTTP status for errors: the first error decides, 200 without errors."""
    return ERROR_STATUS.get(errors[0]["code"], 400) if errors else 200


def screen_status(outcome: dict[str, Any] | None, errors: list[dict[str, Any]], *, loaded: bool) -> int:
    """A screen's status: a failed change's, else an error's when the screen's main data is missing."""
    if outcome and outcome["error"]:
        return status_for([outcome["error"]])
    return 200 if loaded else status_for(errors)


async def page(
    request: Request, template: str, context: dict[str, Any], *, block: str, status_code: int = 200
) -> Response:
    """A signed-in screen: the whole page with its top bar, or for htmx only ``block``."""
    context = {"csrf_token": request.state.session.csrf, "chrome": None, **context}
    if not is_htmx(request):
        chrome, _ = await run_screen(request, "ConsoleChrome")
        context["chrome"] = chrome.get("viewer")
    return render(request, template, context, block=block, status_code=status_code)
