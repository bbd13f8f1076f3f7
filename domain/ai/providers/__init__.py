"""Model providers behind one protocol: ``local`` (default, no network), ``openai`` (any OpenAI-compatible
endpoint) and ``bedrock`` (AWS Bedrock via boto3)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from domain.ai.types import ChatRequest, ChatResult, EmbedResult, ModelSpec


class Provider(Protocol):
    """One way to reach models; errors are ``ProviderError`` (retryable or not)."""

    name: str

    async def chat(self, model: ModelSpec, request: ChatRequest) -> ChatResult: ...

    def stream(self, model: ModelSpec, request: ChatRequest) -> AsyncIterator[str | ChatResult]: ...

    async def embed(self, model: ModelSpec, texts: list[str]) -> EmbedResult: ...
