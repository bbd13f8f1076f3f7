"""GraphQL types of published policies."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.policies.models import PolicyVersion as PolicyVersionModel
from domain.policies.service import TenantPolicies as TenantPoliciesRecord


@strawberry.type(description="One published version of the platform policy.")
class PolicyVersion:
    version: int
    document: strawberry.scalars.JSON
    note: str
    published_by: str
    published_at: datetime
    rolled_back_to: int | None = strawberry.field(description="Set when this version restored an older one.")

    @classmethod
    def from_model(cls, row: PolicyVersionModel) -> PolicyVersion:
        return cls(version=row.version, document=row.document, note=row.note, published_by=row.published_by,
                   published_at=row.published_at, rolled_back_to=row.rolled_back_to)


@strawberry.type(description="The policies a tenant runs: the platform's, its own stricter values, the result.")
class TenantPolicies:
    platform_version: int = strawberry.field(description="The newest published version.")
    running_version: int = strawberry.field(description="The version applied to this tenant (0: none yet).")
    platform: strawberry.scalars.JSON
    tightening: strawberry.scalars.JSON
    effective: strawberry.scalars.JSON

    @classmethod
    def from_record(cls, record: TenantPoliciesRecord) -> TenantPolicies:
        return cls(platform_version=record.platform_version, running_version=record.running_version,
                   platform=record.platform, tightening=record.tightening, effective=record.effective)


@strawberry.type
class PolicyPublished:
    policy: PolicyVersion


@strawberry.type
class PoliciesTightened:
    policies: TenantPolicies
