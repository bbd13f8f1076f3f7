from __future__ import annotations

from typing import Any

import strawberry

from domain.cmdb.queries import CiFilter
from domain.cmdb.service import CiDraft


@strawberry.input
class CiFilterInput:
    class_key: str | None = strawberry.field(default=None, description="This class and its subclasses.")
    environment: str | None = None
    lifecycle_status: str | None = None
    source: str | None = None
    owner_team: str | None = None
    stale: bool | None = None
    search: str | None = strawberry.field(default=None, description="Part of the name, case-insensitive.")

    def to_domain(self) -> CiFilter:
        return CiFilter(class_key=self.class_key, environment=self.environment, lifecycle_status=self.lifecycle_status,
                        source=self.source, owner_team=self.owner_team, stale=self.stale, search=self.search)


@strawberry.input
class CiInput:
    class_key: str
    name: str
    description: str = ""
    environment: str = "production"
    lifecycle_status: str = "active"
    owner_team: str | None = None
    attributes: strawberry.scalars.JSON | None = strawberry.field(default=None, description="Checked against the "
                                                                  "JSON Schema of the class and its ancestors.")

    def to_domain(self) -> CiDraft:
        return CiDraft(class_key=self.class_key, name=self.name, description=self.description,
                       environment=self.environment, lifecycle_status=self.lifecycle_status,
                       owner_team=self.owner_team, attributes=self.attributes if self.attributes is not None else {})


@strawberry.input(description="Only the fields given change; the class of a CI never does.")
class CiUpdateInput:
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    environment: str | None = strawberry.UNSET
    lifecycle_status: str | None = strawberry.UNSET
    owner_team: str | None = strawberry.UNSET
    attributes: strawberry.scalars.JSON | None = strawberry.UNSET
    expected_version: int | None = strawberry.field(default=None, description="Refuse if the CI changed since.")

    def changes(self) -> dict[str, Any]:
        fields = ("name", "description", "environment", "lifecycle_status", "owner_team", "attributes")
        return {name: getattr(self, name) for name in fields if getattr(self, name) is not strawberry.UNSET}


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
