"""The one gateway every model and embedder call goes through: routing with fallback, credits, audit.

A call resolves the tenant's chain for its task (registry + policy, domain/ai/registry.py), reserves the
chain's worst-case cost in one statement, tries the chain's models in order (bounded, jittered retries for
throttling, timeouts and 5xx; a model failing repeatedly is skipped for a cool-down), then settles the
credits to the actual usage and writes the audit row in one more statement (or releases the reservation).
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from domain.ai import credits
from domain.ai.audit import CallRecord, settle_call
from domain.ai.prompts import check_citations, estimate_tokens, system_prompt, text_hash
from domain.ai.registry import Catalog, Policy, check_task
from domain.ai.types import (
    AiUnavailable,
    ChatRequest,
    ChatResult,
    EmbedResult,
    ModelRejected,
    ModelSpec,
    NotEnoughCredits,
    ProviderError,
)

if TYPE_CHECKING:
    from domain.ai.providers import Provider
    from domain.uow import UnitOfWork


@dataclass(frozen=True)
class Resilience:
    """How hard the gateway tries: retries per model, backoff, per-attempt timeout and the cool-down."""

    retries: int = 1
    backoff: float = 0.2
    timeout: float = 30.0
    failures_to_cool: int = 3
    cooldown: float = 30.0


@dataclass
class _Call:
    record: CallRecord
    chain: list[ModelSpec]
    policy: Policy
    held: int
    started: float


class Gateway:
    """Chat (tools, streaming) and embeddings for one tenant at a time, through the tenant's approved models."""

    def __init__(self, *, db: UnitOfWork, providers: dict[str, Provider], catalog: Catalog | None = None,
                 resilience: Resilience | None = None, jitter: Callable[[], float] = random.random,
                 observe: Callable[[CallRecord], None] | None = None) -> None:
        self.db = db
        self.observe = observe or (lambda record: None)  # e.g. the process's metrics (atlas/metrics.py)
        self.providers = providers
        self.catalog = catalog or Catalog()
        self.resilience = resilience or Resilience()
        self._jitter = jitter
        self._failures: dict[str, int] = {}
        self._cool_until: dict[str, float] = {}

    async def chat(self, *, tenant_id: uuid.UUID, actor: str, request: ChatRequest) -> ChatResult:
        """Answer ``request`` with the first model of the tenant's chain that works."""
        call = await self._open(tenant_id, actor, request.task, request.model, request, request.max_tokens)
        try:
            result, model = await self._run(call, lambda p, m: p.chat(m, request))
        except (AiUnavailable, ModelRejected) as exc:
            await self._release(tenant_id, call, exc)
            raise
        return await self._close(tenant_id, call, model, check_citations(request, result), request)

    async def stream(self, *, tenant_id: uuid.UUID, actor: str,
                     request: ChatRequest) -> AsyncIterator[str | ChatResult]:
        """Yield the answer's text as it comes, then the settled :class:`ChatResult`; falls back to the next
        model only before the first piece arrives."""
        call = await self._open(tenant_id, actor, request.task, request.model, request, request.max_tokens)

        async def start(provider: Provider, model: ModelSpec) -> tuple[Any, AsyncIterator]:
            pieces = provider.stream(model, request).__aiter__()
            return await pieces.__anext__(), pieces

        try:
            (piece, pieces), model = await self._run(call, start)
            while not isinstance(piece, ChatResult):
                yield piece
                piece = await pieces.__anext__()
        except (AiUnavailable, ModelRejected, ProviderError, StopAsyncIteration) as exc:
            await self._release(tenant_id, call, exc)
            if isinstance(exc, AiUnavailable | ModelRejected):
                raise
            raise AiUnavailable("The model stopped mid-answer; try again.") from exc
        yield await self._close(tenant_id, call, model, check_citations(request, piece), request)

    async def embed(self, *, tenant_id: uuid.UUID, actor: str, texts: list[str],
                    model: str | None = None) -> EmbedResult:
        """Embed ``texts`` with the tenant's embedding model (or ``model``)."""
        call = await self._open(tenant_id, actor, "embedding", model, None, 0, input_tokens=sum(
            estimate_tokens(t) for t in texts))
        try:
            result, spec = await self._run(call, lambda p, m: p.embed(m, texts))
        except (AiUnavailable, ModelRejected) as exc:
            await self._release(tenant_id, call, exc)
            raise
        result.model_key, result.dimensions = spec.key, result.dimensions or spec.dimensions or 0
        record = call.record
        record.provider, record.model_key, record.input_tokens = spec.provider, spec.key, result.input_tokens
        await self._settle(tenant_id, call, spec, output_tokens=0)
        return result

    async def embedding_model(self, *, tenant_id: uuid.UUID) -> ModelSpec:
        """The model the tenant's embeddings currently come from (the first of its chain)."""
        chain, _ = await self.catalog.chain(self.db, tenant_id, task="embedding", requested=None)
        return chain[0]

    # ------------------------------------------------------------------ the steps of a call

    async def _open(self, tenant_id: uuid.UUID, actor: str, task: str, requested: str | None,
                    request: ChatRequest | None, max_tokens: int, *, input_tokens: int | None = None) -> _Call:
        check_task(task)
        record = CallRecord(id=uuid.uuid4(), actor=actor, task=task)
        if request is not None:
            prompt = system_prompt(request) + "\n" + request.question
            input_tokens, record.prompt_hash = estimate_tokens(prompt), text_hash(prompt)
            record.evidence_ids = [e.id for e in request.evidence]
        chain, policy = await self.catalog.chain(self.db, tenant_id, task=task, requested=requested)
        held = max(credits.worst_case(m, input_tokens=input_tokens or 0, max_tokens=max_tokens) for m in chain)
        if held and await credits.reserve_now(self.db, tenant_id=tenant_id, request_key=record.id.hex,
                                              credits=held) is None:
            await self._reserve_slowly(tenant_id, record, held)
        if request is not None:
            record.prompt_text = request.question if policy.store_prompts else None
        return _Call(record, chain, policy, held, time.perf_counter())

    async def _reserve_slowly(self, tenant_id: uuid.UUID, record: CallRecord, held: int) -> None:
        """Grant the period lazily if due, then try once more; refuse (and audit the refusal) otherwise."""
        async with self.db.transaction(tenant_id=tenant_id) as tx:
            if await credits.ensure_current_period(tx) and await credits.reserve(
                    tx, request_key=record.id.hex, credits=held) is not None:
                return
        record.outcome, record.error_code = "refused", NotEnoughCredits.code
        await settle_call(self.db, tenant_id=tenant_id, record=record, kind=None)
        self.observe(record)
        raise NotEnoughCredits(f"This call may cost up to {held} AI credits; the tenant's balance cannot cover it.")

    async def _run(self, call: _Call,
                   attempt: Callable[[Provider, ModelSpec], Awaitable[Any]]) -> tuple[Any, ModelSpec]:
        for model in call.chain:
            if self._cooling(model.key):
                call.record.attempts.append({"model": model.key, "outcome": "skipped", "error": "cooling_down"})
                continue
            result = await self._try_model(call, model, attempt)
            if result is not None:
                return result, model
        raise AiUnavailable("Every model of this task's chain failed; try again later.")

    async def _try_model(self, call: _Call, model: ModelSpec, attempt) -> Any:
        provider, settings = self.providers[model.provider], self.resilience
        for number in range(settings.retries + 1):
            started = time.perf_counter()
            try:
                async with asyncio.timeout(settings.timeout):  # no extra task, unlike wait_for
                    result = await attempt(provider, model)
            except (ProviderError, TimeoutError) as exc:
                error = exc if isinstance(exc, ProviderError) else ProviderError("timeout", code="Timeout",
                                                                                 retryable=True)
                call.record.attempts.append({"model": model.key, "outcome": "failed", "error": error.code,
                                             "ms": _ms(started)})
                if not error.retryable:
                    raise ModelRejected(f"Model {model.key!r} rejected the request ({error.code}).") from exc
                if self._failed(model.key) or number == settings.retries:
                    return None
                await asyncio.sleep(settings.backoff * (2 ** number) * (0.5 + self._jitter()))
                continue
            self._failures.pop(model.key, None)
            call.record.attempts.append({"model": model.key, "outcome": "ok", "ms": _ms(started)})
            return result
        return None

    def _failed(self, key: str) -> bool:
        """Count a failure; True when the model now cools down."""
        self._failures[key] = self._failures.get(key, 0) + 1
        if self._failures[key] >= self.resilience.failures_to_cool:
            self._cool_until[key] = time.monotonic() + self.resilience.cooldown
            self._failures[key] = 0
            return True
        return False

    def _cooling(self, key: str) -> bool:
        return self._cool_until.get(key, 0.0) > time.monotonic()

    async def _close(self, tenant_id: uuid.UUID, call: _Call, model: ModelSpec, result: ChatResult,
                     request: ChatRequest) -> ChatResult:
        record = call.record
        record.provider, record.model_key = model.provider, model.key
        record.input_tokens, record.output_tokens = result.input_tokens, result.output_tokens
        record.response_hash = text_hash(result.text)
        record.response_text = result.text if call.policy.store_prompts else None
        result.credits = await self._settle(tenant_id, call, model, output_tokens=result.output_tokens)
        result.model_key, result.provider, result.call_id = model.key, model.provider, str(record.id)
        return result

    async def _settle(self, tenant_id: uuid.UUID, call: _Call, model: ModelSpec, *, output_tokens: int) -> int:
        record = call.record
        spent = min(call.held, credits.cost(model, input_tokens=record.input_tokens, output_tokens=output_tokens))
        record.credits, record.latency_ms = spent, _ms(call.started)
        await settle_call(self.db, tenant_id=tenant_id, record=record, kind="settle" if call.held else None,
                          give_back=call.held - spent)
        self.observe(record)
        return spent

    async def _release(self, tenant_id: uuid.UUID, call: _Call, exc: Exception) -> None:
        record = call.record
        record.outcome, record.error_code, record.latency_ms = "failed", getattr(exc, "code", None), _ms(call.started)
        await settle_call(self.db, tenant_id=tenant_id, record=record, kind="release" if call.held else None,
                          give_back=call.held)
        self.observe(record)


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
