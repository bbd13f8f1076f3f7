"""A tenant's alerting policy: how alerts group into incidents, when a recurrence reopens one, and how far
correlation looks. Defaults apply until the tenant saves its own (one row per tenant)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from domain import clock
from domain.alerting.models import GROUP_KEYS, AlertingSettings
from domain.audit import service as audit
from domain.errors import ValidationFailed

if TYPE_CHECKING:
    from domain.uow import Transaction

LIMITS = {"reopen_window_minutes": (0, 7 * 24 * 60), "group_window_minutes": (0, 24 * 60),
          "correlation_hops": (1, 6), "correlation_window_minutes": (1, 24 * 60)}
API_NAMES = {"reopen_window_minutes": "reopenWindowMinutes", "group_window_minutes": "groupWindowMinutes",
             "correlation_hops": "correlationHops", "correlation_window_minutes": "correlationWindowMinutes",
             "group_by": "groupBy"}


@dataclass(frozen=True)
class AlertingPolicy:
    """What the engine reads. ``group_by`` ``off`` makes every fingerprint its own incident;
    ``reopen_window_minutes`` 0 never reopens (a recurrence always opens a new incident)."""

    reopen_window_minutes: int = 60
    group_by: str = "service"
    group_window_minutes: int = 10
    correlation_hops: int = 3
    correlation_window_minutes: int = 30


def _policy(row: AlertingSettings | None) -> AlertingPolicy:
    if row is None:
        return AlertingPolicy()
    return AlertingPolicy(**{f.name: getattr(row, f.name) for f in fields(AlertingPolicy)})


async def alerting_policy(tx: Transaction) -> AlertingPolicy:
    """The tenant's policy (the defaults when it never saved one)."""
    return _policy(await tx.session.get(AlertingSettings, tx.tenant_id))


def check_policy(policy: AlertingPolicy) -> AlertingPolicy:
    """Raise ValidationFailed (naming the field) for a value out of range."""
    if policy.group_by not in GROUP_KEYS:
        raise ValidationFailed(f"groupBy must be one of {', '.join(GROUP_KEYS)}.", field="groupBy")
    for name, (low, high) in LIMITS.items():
        value = getattr(policy, name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValidationFailed(f"{API_NAMES[name]} must be a whole number from {low} to {high}.",
                                   field=API_NAMES[name])
    return policy


async def save_policy(tx: Transaction, *, policy: AlertingPolicy, actor: str) -> AlertingPolicy:
    """Store the tenant's policy (insert or replace) and audit the change."""
    values = {f.name: getattr(check_policy(policy), f.name) for f in fields(AlertingPolicy)}
    statement = insert(AlertingSettings).values(tenant_id=tx.tenant_id, updated_by=actor, updated_at=clock.now(),
                                                **values)
    await tx.session.execute(statement.on_conflict_do_update(
        index_elements=[AlertingSettings.tenant_id],
        set_={**values, "updated_by": actor, "updated_at": clock.now()}))
    await audit.record(tx, actor=actor, action="alerting_settings.updated", target_type="tenant",
                       target_id=str(tx.tenant_id), data=values)
    return policy


async def policy_row(tx: Transaction) -> AlertingSettings | None:
    """The stored row, for who changed it and when (None: never saved)."""
    return await tx.session.scalar(select(AlertingSettings).where(AlertingSettings.tenant_id == tx.tenant_id))
