"""Console screens. Each runs one named operation and renders its data."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.render import render
from resolvers.context import Context


def screen_context(request: Request) -> Context:
    """The GraphQL context for an in-process operation on behalf of this request's user."""
    return Context(
        request=request,
        response=None,
        runtime=request.app.state.runtime,
        principal=getattr(request.state, "principal", None),
    )


async def run_screen(request: Request, operation: str, variables: dict[str, Any] | None = None):
    """Execute ``operation`` for this request; returns (data, error messages)."""
    runner = request.app.state.operations
    result = await runner.run(
        operation, context=screen_context(request), variables=variables, method=request.method
    )
    return result.data or {}, [error.message for error in result.errors or ()]


async def home(request: Request) -> Response:
    """Landing page: health of the platform and the signed-in user."""
    data, errors = await run_screen(request, "ConsoleHome")
    return render(request, "home.html", {"data": data, "errors": errors}, block="status")


routes = [Route("/", home, name="console_home")]
