"""Model governance: the platform registry (platform admins approve), each tenant's policy (allow list,
routes, forbidden residencies), and the routing chain a call may use."""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from domain.ai.types import TASKS, ModelForbidden, ModelNotApproved, ModelSpec
from domain.uow import fetch_sql

if TYPE_CHECKING:
    from domain.uow import Transaction, UnitOfWork

DEFAULT_CHAT = ("local:extractive",)
DEFAULT_EMBEDDING = ("local:hash-384",)
_MODEL_COLUMNS = ("key, provider, model_id, kind, residency, credits_per_1k_input, credits_per_1k_output, "
                  "dimensions, status, region, base_url, secret_name")


@dataclass(frozen=True)
class Policy:
    """A tenant's AI policy (defaults when the tenant never set one)."""

    allowed_models: tuple[str, ...] | None = None
    forbid_external: bool = False
    store_prompts: bool = False
    routes: dict[str, list[str]] = field(default_factory=dict)


def spec_from_row(row) -> ModelSpec:
    return ModelSpec(**{name: row[name] for name in ModelSpec.__dataclass_fields__})


async def load_models(tx: Transaction) -> dict[str, ModelSpec]:
    """Every registry entry by key."""
    rows = await fetch_sql(tx.session, f"SELECT {_MODEL_COLUMNS} FROM ai_models")
    return {row["key"]: spec_from_row(row) for row in rows}


async def load_policy(tx: Transaction) -> Policy:
    """The transaction's tenant's policy."""
    rows = await fetch_sql(tx.session, "SELECT allowed_models, forbid_external, store_prompts, routes "
                                       "FROM ai_policies WHERE tenant_id = $1", tx.tenant_id)
    if not rows:
        return Policy()
    row = rows[0]
    allowed = tuple(row["allowed_models"]) if row["allowed_models"] is not None else None
    routes = row["routes"] if isinstance(row["routes"], dict) else __import__("json").loads(row["routes"])
    return Policy(allowed, row["forbid_external"], row["store_prompts"], routes)


def check_model(model: ModelSpec | None, key: str, policy: Policy) -> ModelSpec:
    """The model if this tenant may use it, else the typed refusal."""
    if model is None or model.status != "approved":
        raise ModelNotApproved(f"Model {key!r} is not approved by the platform.", field="model")
    if policy.allowed_models is not None and key not in policy.allowed_models:
        raise ModelNotApproved(f"Model {key!r} is not on this tenant's allow list.", field="model")
    if policy.forbid_external and model.residency == "external":
        raise ModelForbidden(f"Model {key!r} sends data outside the tenant's region or network; the tenant's "
                             "policy forbids that.", field="model")
    return model


def resolve_chain(models: dict[str, ModelSpec], policy: Policy, *, task: str,
                  requested: str | None = None) -> list[ModelSpec]:
    """The ordered models a call may try: the requested one, else the tenant's route, else the default."""
    if requested is not None:
        return [check_model(models.get(requested), requested, policy)]
    default = DEFAULT_EMBEDDING if task == "embedding" else DEFAULT_CHAT
    keys = policy.routes.get(task) or list(default)
    usable, first_refusal = [], None
    for key in keys:
        try:
            usable.append(check_model(models.get(key), key, policy))
        except (ModelNotApproved, ModelForbidden) as refusal:
            first_refusal = first_refusal or refusal
    if not usable:
        raise first_refusal or ModelNotApproved(f"No approved model for task {task!r}.", field="task")
    return usable


class Catalog:
    """The registry and tenant policies, cached in process for ``ttl`` seconds (changes made here
    invalidate at once; other processes see them within ``ttl``)."""

    def __init__(self, *, ttl: float = 5.0) -> None:
        self.ttl = ttl
        self._models: tuple[float, dict[str, ModelSpec]] | None = None
        self._policies: dict[uuid.UUID, tuple[float, Policy]] = {}

    def invalidate(self, tenant_id: uuid.UUID | None = None) -> None:
        if tenant_id is None:
            self._models = None
        self._policies.pop(tenant_id, None) if tenant_id else self._policies.clear()

    async def chain(self, db: UnitOfWork, tenant_id: uuid.UUID, *, task: str,
                    requested: str | None) -> tuple[list[ModelSpec], Policy]:
        """The call's chain and the tenant's policy; reads the database only when the cache is stale."""
        now = time.monotonic()
        models, policy = self._models, self._policies.get(tenant_id)
        if models is None or policy is None or now - min(models[0], policy[0]) > self.ttl:
            async with db.transaction(tenant_id=tenant_id) as tx:
                models = (now, await load_models(tx))
                policy = (now, await load_policy(tx))
            self._models, self._policies[tenant_id] = models, policy
        return resolve_chain(models[1], policy[1], task=task, requested=requested), policy[1]


def check_task(task: str) -> None:
    from domain.errors import ValidationFailed

    if task not in TASKS:
        raise ValidationFailed(f"Task must be one of {', '.join(TASKS)}.", field="task")


def as_dict(model: ModelSpec) -> dict:
    return asdict(model)
