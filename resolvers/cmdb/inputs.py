from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from domain.cmdb.queries import CiFilter
from domain.cmdb.service import CiDraft
from resolvers.cmdb.types import CiEnvironment, CiLifecycleStatus, CiSource


def _word(value: Any) -> Any:
    """An enum member as the catalog's word (``CiEnvironment.PRODUCTION`` is ``production``); others as they are."""
    return value.value if isinstance(value, Enum) else value


@strawberry.input
class CiFilterInput:
    class_key: str | None = strawberry.field(default=None, description="This class and its subclasses.")
    environment: CiEnvironment | None = None
    lifecycle_status: CiLifecycleStatus | None = None
    source: CiSource | None = None
    owner_team: str | None = None
    stale: bool | None = None
    search: str | None = strawberry.field(default=None, description="Part of the name, case-insensitive.")

    def to_domain(self) -> CiFilter:
        return CiFilter(class_key=self.class_key, environment=_word(self.environment),
                        lifecycle_status=_word(self.lifecycle_status), source=_word(self.source),
                        owner_team=self.owner_team, stale=self.stale, search=self.search)


@strawberry.input
class CiInput:
    class_key: str
    name: str
    description: str = ""
    environment: CiEnvironment = CiEnvironment.PRODUCTION
    lifecycle_status: CiLifecycleStatus = CiLifecycleStatus.ACTIVE
    owner_team: str | None = None
    attributes: strawberry.scalars.JSON | None = strawberry.field(default=None, description="Checked against the "
                                                                  "JSON Schema of the class and its ancestors.")

    def to_domain(self) -> CiDraft:
        return CiDraft(class_key=self.class_key, name=self.name, description=self.description,
                       environment=_word(self.environment), lifecycle_status=_word(self.lifecycle_status),
                       owner_team=self.owner_team, attributes=self.attributes if self.attributes is not None else {})


@strawberry.input(description="Only the fields given change; the class of a CI never does.")
class CiUpdateInput:
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    environment: CiEnvironment | None = strawberry.UNSET
    lifecycle_status: CiLifecycleStatus | None = strawberry.UNSET
    owner_team: str | None = strawberry.UNSET
    attributes: strawberry.scalars.JSON | None = strawberry.UNSET
    expected_version: int | None = strawberry.field(default=None, description="Refuse if the CI changed since.")

    def changes(self) -> dict[str, Any]:
        fields = ("name", "description", "environment", "lifecycle_status", "owner_team", "attributes")
        return {name: _word(getattr(self, name)) for name in fields if getattr(self, name) is not strawberry.UNSET}


@strawberry.input
class CiRelationshipInput:
    type: str = strawberry.field(description="depends_on, runs_on, hosted_on, connects_to, part_of or member_of.")
    source_id: strawberry.ID
    target_id: strawberry.ID


@strawberry.input
class CiClassInput:
    key: str
    label: str
    parent: str = strawberry.field(description="The class it specialises (built-in or the tenant's own).")
    attribute_schema: strawberry.scalars.JSON | None = strawberry.field(default=None,
                                                                        description="A JSON Schema of type object.")
