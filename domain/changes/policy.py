"""A tenant's change policy: CAB rules per type, a named CAB role, freeze windows, collision mode."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from domain import clock
from domain.changes import cab
from domain.changes.models import COLLISION_MODES, ChangePolicy
from domain.errors import ValidationFailed

if TYPE_CHECKING:
    from domain.uow import Transaction

MAX_FREEZES = 100


async def change_policy(tx: Transaction) -> ChangePolicy:
    """The tenant's policy (the defaults, unsaved, when it never set one)."""
    found = await tx.session.get(ChangePolicy, tx.tenant_id)
    return found or ChangePolicy(tenant_id=tx.tenant_id, collision_mode="warn", cab_rules={}, cab_role=None,
                                 freeze_windows=[], updated_at=clock.now())


def _freezes(windows: list[dict[str, Any]]) -> list[dict[str, str]]:
    if len(windows) > MAX_FREEZES:
        raise ValidationFailed(f"At most {MAX_FREEZES} freeze windows.", field="freezeWindows")
    cleaned = []
    for window in windows:
        name, start, end = str(window.get("name", "")).strip(), window.get("starts_at"), window.get("ends_at")
        if not name or not isinstance(start, datetime) or not isinstance(end, datetime) or start >= end:
            raise ValidationFailed("Each freeze window needs a name and a start before its end.",
                                   field="freezeWindows")
        cleaned.append({"name": name[:200], "starts_at": start.isoformat(), "ends_at": end.isoformat()})
    return cleaned


async def save_change_policy(tx: Transaction, *, collision_mode: str, cab_rules: dict[str, Any],
                             cab_role: str | None, freeze_windows: list[dict[str, Any]]) -> ChangePolicy:
    """Replace the tenant's change policy."""
    if collision_mode not in COLLISION_MODES:
        raise ValidationFailed("collisionMode must be warn or block.", field="collisionMode")
    rules, freezes = cab.parse_rules(cab_rules), _freezes(freeze_windows)
    policy = await tx.session.get(ChangePolicy, tx.tenant_id, with_for_update=True)
    if policy is None:
        policy = ChangePolicy(tenant_id=tx.tenant_id)
        tx.session.add(policy)
    policy.collision_mode, policy.cab_rules = collision_mode, rules
    policy.cab_role, policy.freeze_windows = (cab_role or "").strip() or None, freezes
    policy.updated_at = clock.now()
    await tx.session.flush()
    return policy
