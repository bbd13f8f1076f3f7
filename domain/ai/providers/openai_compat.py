"""Any OpenAI-compatible endpoint (vLLM, Ollama, LM Studio, a LiteLLM proxy) through the official client.

The key comes from the secrets provider by the model's ``secret_name``; it is never stored in the registry.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import openai

from domain.ai.prompts import system_prompt
from domain.ai.types import ChatRequest, ChatResult, EmbedResult, ModelSpec, ProviderError, ToolCall

RETRYABLE = (openai.RateLimitError, openai.APITimeoutError, openai.APIConnectionError, openai.InternalServerError)


def _error(exc: Exception) -> ProviderError:
    code = type(exc).__name__
    return ProviderError(f"openai-compatible endpoint: {code}", code=code, retryable=isinstance(exc, RETRYABLE))


def _tools(request: ChatRequest) -> list[dict[str, Any]]:
    return [{"type": "function", "function": {"name": t.name, "description": t.description,
                                              "parameters": t.parameters}} for t in request.tools]


def _messages(request: ChatRequest) -> list[dict[str, str]]:
    return [{"role": "system", "content": system_prompt(request)}, {"role": "user", "content": request.question}]


class OpenAIProvider:
    """Chat (tools, streaming) and embeddings against an OpenAI-compatible base URL."""

    name = "openai"

    def __init__(self, *, key_for: Callable[[str | None], str | None], timeout: float = 30.0) -> None:
        self._key_for = key_for
        self._timeout = timeout
        self._clients: dict[tuple[str | None, str | None], openai.AsyncOpenAI] = {}

    def client(self, model: ModelSpec) -> openai.AsyncOpenAI:
        """One client per base URL and secret (the SDK's own retries off: the gateway retries)."""
        cache_key = (model.base_url, model.secret_name)
        if cache_key not in self._clients:
            self._clients[cache_key] = openai.AsyncOpenAI(
                base_url=model.base_url, api_key=self._key_for(model.secret_name) or "unused",
                max_retries=0, timeout=self._timeout)
        return self._clients[cache_key]

    def _arguments(self, request: ChatRequest, model: ModelSpec) -> dict[str, Any]:
        args: dict[str, Any] = {"model": model.model_id, "messages": _messages(request),
                                "max_tokens": request.max_tokens}
        if request.tools:
            args["tools"] = _tools(request)
        return args

    async def chat(self, model: ModelSpec, request: ChatRequest) -> ChatResult:
        try:
            response = await self.client(model).chat.completions.create(**self._arguments(request, model))
        except openai.OpenAIError as exc:
            raise _error(exc) from exc
        message = response.choices[0].message
        calls = [ToolCall(id=c.id, name=c.function.name, arguments=json.loads(c.function.arguments or "{}"))
                 for c in message.tool_calls or []]
        usage = response.usage
        return ChatResult(text=message.content or "", tool_calls=calls,
                          input_tokens=usage.prompt_tokens if usage else 0,
                          output_tokens=usage.completion_tokens if usage else 0)

    async def stream(self, model: ModelSpec, request: ChatRequest) -> AsyncIterator[str | ChatResult]:
        parts: list[str] = []
        usage = None
        try:
            chunks = await self.client(model).chat.completions.create(
                **self._arguments(request, model), stream=True, stream_options={"include_usage": True})
            async for chunk in chunks:
                usage = chunk.usage or usage
                delta = chunk.choices[0].delta.content if chunk.choices else None
                if delta:
                    parts.append(delta)
                    yield delta
        except openai.OpenAIError as exc:
            raise _error(exc) from exc
        yield ChatResult(text="".join(parts), input_tokens=usage.prompt_tokens if usage else 0,
                         output_tokens=usage.completion_tokens if usage else len(parts))

    async def embed(self, model: ModelSpec, texts: list[str]) -> EmbedResult:
        try:
            response = await self.client(model).embeddings.create(model=model.model_id, input=texts)
        except openai.OpenAIError as exc:
            raise _error(exc) from exc
        vectors = [item.embedding for item in sorted(response.data, key=lambda d: d.index)]
        return EmbedResult(vectors=vectors, input_tokens=response.usage.prompt_tokens if response.usage else 0,
                           dimensions=len(vectors[0]) if vectors else 0)
