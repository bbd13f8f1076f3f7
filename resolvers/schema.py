"""The one GraphQL schema: control-plane and tenant-plane types side by side."""

from __future__ import annotations

import strawberry
from strawberry.printer import print_schema

from resolvers.extensions import hardening_extensions
from resolvers.health.queries import resolve_health
from resolvers.health.types import Health
from resolvers.viewer.queries import resolve_viewer
from resolvers.viewer.types import Viewer


@strawberry.type
class Query:
    health: Health = strawberry.field(resolver=resolve_health, description="Service health (public).")
    viewer: Viewer | None = strawberry.field(
        resolver=resolve_viewer, description="The authenticated caller, or null."
    )


def build_schema(*, production: bool = False) -> strawberry.Schema:
    """Build the schema with the hardening extensions for the given environment."""
    return strawberry.Schema(query=Query, extensions=hardening_extensions(production=production))


def schema_sdl() -> str:
    """The SDL committed as graphql/schema.graphql (identical in every environment)."""
    return print_schema(build_schema()) + "\n"
