"""Published policies: platform operators publish and roll back versions; tenants run the latest and tighten it.

A publish writes a new version (never edits one) and enqueues ``policy_published`` through the
outbox; that job records in each tenant the version it now runs (with an audit event there) and
tells the tenant planes. A rollback publishes a new version whose document is an older one's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from domain.audit import service as audit
from domain.errors import Conflict, NotFound
from domain.planes import deliveries as plane_deliveries
from domain.policies.models import PolicyVersion, TenantPolicy
from domain.policies.rules import DEFAULTS, check_only_tightens, checked_document, effective

if TYPE_CHECKING:
    from domain.uow import Transaction

PUBLISHED_JOB = "policy_published"


def policy_channel(tenant_id: uuid.UUID) -> str:
    """The pub/sub channel on which a tenant's planes hear of a new policy version."""
    return f"tenant:{tenant_id}:policies"


async def latest_version(tx: Transaction) -> PolicyVersion | None:
    """The policy version in force on the platform (the newest), or None before the first publish."""
    return await tx.session.scalar(select(PolicyVersion).order_by(PolicyVersion.version.desc()).limit(1))


async def list_versions(tx: Transaction) -> list[PolicyVersion]:
    """Every published version, newest first."""
    return list(await tx.session.scalars(select(PolicyVersion).order_by(PolicyVersion.version.desc())))


async def _publish(tx: Transaction, *, document: dict[str, Any], note: str, actor: str,
                   rolled_back_to: int | None = None) -> PolicyVersion:
    await tx.session.execute(select(func.pg_advisory_xact_lock(0x706F6C)))  # one publisher at a time
    current = await latest_version(tx)
    if current is not None and current.document == document:
        raise Conflict(f"Version {current.version} already has exactly this document.", field="document")
    version = PolicyVersion(version=(current.version if current else 0) + 1, document=document, note=note[:500],
                            published_by=actor, rolled_back_to=rolled_back_to)
    tx.session.add(version)
    await tx.session.flush()
    tx.enqueue(PUBLISHED_JOB, version=version.version, job_id=f"{PUBLISHED_JOB}:{version.version}")
    await plane_deliveries.policy_published(tx, version=version.version, document=document, note=version.note,
                                            published_by=actor)
    return version


async def publish_policy(tx: Transaction, *, document: Any, note: str, actor: str) -> PolicyVersion:
    """Publish a new platform policy version (missing keys take their defaults)."""
    return await _publish(tx, document=checked_document(document, complete=True), note=note, actor=actor)


async def rollback_policy(tx: Transaction, *, to_version: int, note: str, actor: str) -> PolicyVersion:
    """Publish again the document of ``to_version``, as a new version."""
    old = await tx.session.scalar(select(PolicyVersion).where(PolicyVersion.version == to_version))
    if old is None:
        raise NotFound(f"No policy version {to_version}.", field="version")
    return await _publish(tx, document=dict(old.document), note=note or f"Rollback to version {to_version}",
                          actor=actor, rolled_back_to=to_version)


async def _tenant_policy(tx: Transaction) -> TenantPolicy:
    row = await tx.session.scalar(select(TenantPolicy).where(TenantPolicy.tenant_id == tx.tenant_id)
                                  .with_for_update())
    if row is None:
        row = TenantPolicy(tenant_id=tx.tenant_id, tightening={}, running_version=0)
        tx.session.add(row)
        await tx.session.flush()
    return row


async def apply_latest(tx: Transaction) -> None:
    """Make the transaction's new tenant start on the latest published version (its provisioning is the record)."""
    current = await latest_version(tx)
    if current is not None:
        (await _tenant_policy(tx)).running_version = current.version


async def apply_version(tx: Transaction, *, version: int) -> bool:
    """Record that the transaction's tenant runs ``version`` (never goes back to an older one)."""
    row = await _tenant_policy(tx)
    if row.running_version >= version:
        return False
    previous, row.running_version = row.running_version, version
    await audit.record(tx, actor="platform", action="policy.applied", target_type="policy",
                       target_id=str(version), data={"from": previous})
    tx.emit(policy_channel(tx.tenant_id), {"tenantId": str(tx.tenant_id), "version": version})
    return True


async def tighten_policies(tx: Transaction, *, tightening: Any, actor: str) -> TenantPolicy:
    """Set the tenant's own stricter values (replacing earlier ones); a looser value is refused."""
    values = checked_document(tightening, complete=False)
    current = await latest_version(tx)
    check_only_tightens(current.document if current else DEFAULTS, values)
    row = await _tenant_policy(tx)
    if row.tightening == values:
        raise Conflict("The tenant already has exactly these values.", field="tightening")
    before, row.tightening, row.updated_by = row.tightening, values, actor
    await audit.record(tx, actor=actor, action="policy.tightened", target_type="policy",
                       target_id=str(tx.tenant_id), data={"before": before, "after": values})
    return row


@dataclass(frozen=True)
class TenantPolicies:
    """What a tenant runs: the platform version and document, its own values, and the effective result."""

    platform_version: int
    running_version: int
    platform: dict[str, Any]
    tightening: dict[str, Any]
    effective: dict[str, Any]


async def tenant_policies(tx: Transaction) -> TenantPolicies:
    """The transaction tenant's policies."""
    current = await latest_version(tx)
    row = await tx.session.scalar(select(TenantPolicy).where(TenantPolicy.tenant_id == tx.tenant_id))
    platform = current.document if current else dict(DEFAULTS)
    tightening = row.tightening if row else {}
    return TenantPolicies(current.version if current else 0, row.running_version if row else 0, platform,
                          tightening, effective(platform, tightening))

