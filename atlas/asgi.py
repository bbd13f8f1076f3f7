"""The ASGI application: routes, middleware and lifespan."""

from __future__ import annotations

import contextlib
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from atlas import __version__
from atlas.auth import BearerAuthMiddleware
from atlas.logs import configure_logging
from atlas.metrics import metrics_endpoint
from atlas.middleware import BodyLimitMiddleware, SecurityHeadersMiddleware
from atlas.observe import ObservabilityMiddleware
from atlas.outages import OutageMiddleware
from atlas.paths import OPERATIONS_DIR
from atlas.runtime import Runtime
from atlas.settings import Settings, load_settings
from atlas.tracing import Tracing
from console.operations import OperationRunner
from console.views import routes as console_routes
from resolvers.context import Context
from resolvers.graphql_app import AtlasGraphQL
from resolvers.schema import build_schema
from rest.agent import routes as agent_routes
from rest.auth import routes as auth_routes
from rest.automation_hooks import routes as automation_hook_routes
from rest.billing import routes as billing_routes
from rest.ingest import routes as ingest_routes
from rest.integrations import routes as integration_routes
from rest.mcp_server import PATH as MCP_PATH
from rest.mcp_server import McpAuthentication, mcp_app, serving
from rest.otlp import routes as otlp_routes
from rest.paging import routes as paging_routes
from rest.planes import delivery_routes as plane_delivery_routes
from rest.planes import registry_routes as plane_registry_routes

STATIC_DIR = Path(__file__).resolve().parent.parent / "console" / "static"


async def healthz(request: Request) -> JSONResponse:
    """Liveness: the process is up and serving."""
    return JSONResponse({"status": "ok", "version": __version__})


async def readyz(request: Request) -> JSONResponse:
    """Readiness: the database and Redis answer; otherwise 503 naming the failing parts."""
    state = await request.app.state.runtime.readiness()
    body = {"status": "ready" if state.ready else "unavailable", "failing": state.failing,
            "checks": {"database": state.database, "redis": state.redis, "worker": state.worker}}
    return JSONResponse(body, status_code=200 if state.ready else 503)


async def root(request: Request) -> RedirectResponse:
    return RedirectResponse(request.url_for("console_home"), status_code=307)


def app_from_environment() -> Starlette:
    """The app of one process of `atlas serve --workers N`: settings from the environment the parent set."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)


def operation_context(*, request, runtime, principal) -> Context:
    """The GraphQL context of a named operation run in-process for ``principal`` (the MCP tools' runs)."""
    return Context(request=request, response=None, runtime=runtime, principal=principal)


def _observability(settings: Settings, tracing: Tracing) -> list[Middleware]:
    """The request middleware (ids, access log, metrics, spans), unless metrics and tracing are both off."""
    if not (settings.metrics or tracing.enabled):
        return []
    return [Middleware(ObservabilityMiddleware, tracer=tracing.tracer)]


def plane_routes(settings: Settings, *, graphql: AtlasGraphQL, agents: McpAuthentication) -> list:
    """The routes of the plane(s) this process serves (README: "Planes").

    Both planes: health, metrics, GraphQL (one schema; guards say who may call what) and the console.
    Control plane: tokens, JWKS, billing webhooks and entitlement refresh, plane heartbeats.
    Tenant plane: ingest, OTLP, integrations, paging links, MCP, edge agents, automation hooks, and the
    control plane's deliveries.
    """
    common = [
        Route("/", root),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        *([Route("/metrics", metrics_endpoint)] if settings.metrics else []),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
    ]
    control = [*auth_routes, *billing_routes, *plane_registry_routes]
    tenant = [
        *ingest_routes,
        *integration_routes,
        Route(MCP_PATH, agents, methods=["GET", "POST", "DELETE"]),
        *otlp_routes,
        *paging_routes,
        *agent_routes,
        *automation_hook_routes,
        *plane_delivery_routes,
    ]
    return [
        *common,
        *(control if settings.serves_control_plane else []),
        *(tenant if settings.serves_tenant_plane else []),
        Mount("/console", routes=console_routes),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]


def create_app(settings: Settings) -> Starlette:
    """Build the web application for ``settings`` (servers must already be resolved)."""
    schema = build_schema(production=settings.is_production)
    graphql = AtlasGraphQL(schema, production=settings.is_production, ide_assets="/static/vendor/graphiql/")
    tracing = Tracing(settings, service="atlasai-web")

    agents = McpAuthentication(mcp_app())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        app.state.runtime = await Runtime.open(settings)
        try:
            async with serving(agents):
                yield
        finally:
            await app.state.runtime.close()
            tracing.shutdown()

    app = Starlette(
        routes=plane_routes(settings, graphql=graphql, agents=agents),
        middleware=[*_observability(settings, tracing), Middleware(SecurityHeadersMiddleware),
                    Middleware(OutageMiddleware), Middleware(BearerAuthMiddleware), Middleware(BodyLimitMiddleware)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.schema = schema
    app.state.operations = OperationRunner(schema, OPERATIONS_DIR)
    app.state.operation_context = operation_context
    return app
