"""A gateway over the test database with the real local provider (and others a test adds)."""

import pytest

from domain.ai.gateway import Gateway, Resilience
from domain.ai.providers.local import LocalProvider


@pytest.fixture
def make_gateway(db):
    def make(**providers):
        return Gateway(db=db, providers={"local": LocalProvider(), **providers},
                       resilience=Resilience(retries=1, backoff=0.001, timeout=5, failures_to_cool=3, cooldown=60),
                       jitter=lambda: 0.0)
    return make


@pytest.fixture
def register(db):
    """Register and approve a model in the platform registry; returns its key."""
    import uuid

    from domain.ai.governance import ModelDraft, register_model, set_model_status

    async def add(provider: str, model_id: str, *, status: str = "approved", residency: str = "external",
                  price_in: int = 10, price_out: int = 30, kind: str = "chat", base_url: str | None = None,
                  dimensions: int | None = None, region: str | None = "us-east-1") -> str:
        key = f"{provider}:{model_id}-{uuid.uuid4().hex[:6]}"
        async with db.transaction(tenant_id=None) as tx:
            await register_model(tx, draft=ModelDraft(
                key=key, provider=provider, model_id=model_id, kind=kind, residency=residency, region=region,
                credits_per_1k_input=price_in, credits_per_1k_output=price_out, base_url=base_url,
                dimensions=dimensions), actor="platform@atlas.test")
            if status != "pending":
                await set_model_status(tx, key=key, status=status, actor="platform@atlas.test")
        return key
    return add
