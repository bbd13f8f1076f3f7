"""At a tenant plane: apply a control plane delivery (already verified) to the plane's own copy.

A tenant delivery carries a snapshot of the tenant record, its entitlements and its members; applying
it upserts the copy, so applying one twice leaves the same state, and a snapshot older than the copy
(a lower entitlements version) changes nothing. The copy has no home plane (it is hosted here) and its
users no password (people sign in at the control plane). A policy delivery adds the published version
if it is new and applies it to this plane's tenants, as a publish does in one deployment.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from domain.errors import ValidationFailed
from domain.members.models import Membership, User
from domain.planes.deliveries import POLICY_KIND, TENANT_KINDS
from domain.policies.models import PolicyVersion
from domain.policies.service import PUBLISHED_JOB
from domain.tenants.models import Tenant

if TYPE_CHECKING:
    from domain.uow import Transaction

TENANT_FIELDS = ("slug", "name", "status", "plan", "region", "placement", "plan_overrides", "entitlements_version")


def _bad(message: str) -> ValidationFailed:
    return ValidationFailed(message, field="payload")


async def apply_delivery(tx: Transaction, *, kind: str, payload: Any) -> str:
    """Apply one delivery; answer what happened (``applied`` or ``older``)."""
    if not isinstance(payload, dict):
        raise _bad("The delivery's payload must be an object.")
    if kind in TENANT_KINDS:
        return await _apply_tenant(tx, payload.get("tenant"))
    if kind == POLICY_KIND:
        return await _apply_policy(tx, payload.get("policy"))
    raise ValidationFailed(f"Unknown delivery kind {kind!r}.", field="kind")


async def _apply_tenant(tx: Transaction, snapshot: Any) -> str:
    try:
        tenant_id = uuid.UUID(snapshot["id"])
        values = {name: snapshot[name] for name in TENANT_FIELDS}
        revoked = snapshot.get("tokens_valid_after")
        values["tokens_valid_after"] = datetime.fromisoformat(revoked) if revoked else None
        members = list(snapshot.get("members") or [])
    except (KeyError, TypeError, ValueError):
        raise _bad("The tenant snapshot is incomplete.") from None
    current = await tx.session.get(Tenant, tenant_id, with_for_update=True)
    if current is not None and current.entitlements_version > values["entitlements_version"]:
        return "older"
    await tx.session.execute(insert(Tenant).values(id=tenant_id, home_plane_id=None, **values)
                             .on_conflict_do_update(index_elements=[Tenant.id], set_=values))
    await tx.enter_tenant(tenant_id)
    await _apply_members(tx, tenant_id, members)
    tx.session.expire_all()
    return "applied"


async def _apply_members(tx: Transaction, tenant_id: uuid.UUID, members: list[dict[str, Any]]) -> None:
    kept = []
    for member in members:
        user_id = uuid.UUID(member["id"])
        fields = {"email": member["email"], "display_name": member["display_name"],
                  "is_active": bool(member["is_active"]), "time_zone": member.get("time_zone", "UTC"),
                  "theme": member.get("theme", "system")}
        await tx.session.execute(insert(User).values(id=user_id, password_hash=None, **fields)
                                 .on_conflict_do_update(index_elements=[User.id], set_=fields))
        await tx.session.execute(insert(Membership).values(tenant_id=tenant_id, user_id=user_id,
                                                           roles=list(member["roles"]))
                                 .on_conflict_do_update(index_elements=[Membership.tenant_id, Membership.user_id],
                                                        set_={"roles": list(member["roles"])}))
        kept.append(user_id)
    await tx.session.execute(delete(Membership).where(Membership.tenant_id == tenant_id,
                                                      Membership.user_id.not_in(kept)))


async def _apply_policy(tx: Transaction, policy: Any) -> str:
    if not isinstance(policy, dict) or not isinstance(policy.get("version"), int) \
            or not isinstance(policy.get("document"), dict):
        raise _bad("The policy delivery needs a version and a document.")
    version = policy["version"]
    if await tx.session.scalar(select(PolicyVersion.id).where(PolicyVersion.version == version)) is not None:
        return "older"
    tx.session.add(PolicyVersion(version=version, document=policy["document"], note=str(policy.get("note", ""))[:500],
                                 published_by=str(policy.get("published_by", "control plane"))[:320]))
    await tx.session.flush()
    tx.enqueue(PUBLISHED_JOB, version=version, job_id=f"{PUBLISHED_JOB}:{version}")
    return "applied"
