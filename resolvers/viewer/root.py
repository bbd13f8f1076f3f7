"""The caller's own root fields (settings) and the global search, mixed into Query and Mutation."""

from __future__ import annotations

import strawberry

from resolvers.guards import guard
from resolvers.search.queries import GlobalSearchHit, resolve_global_search
from resolvers.viewer import mutations


@strawberry.type
class PersonalQuery:
    global_search: list[GlobalSearchHit] = strawberry.field(
        resolver=resolve_global_search, extensions=guard(),
        description="One search box: up to `perKind` hits of each kind the caller may read.")


@strawberry.type
class PersonalMutation:
    update_my_settings: mutations.MySettingsPayload = strawberry.field(
        resolver=mutations.update_my_settings, extensions=guard(),
        description="Change the signed-in person's time zone and console theme.")
