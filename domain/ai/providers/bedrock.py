"""AWS Bedrock through boto3 ``bedrock-runtime``: ``converse`` / ``converse_stream`` for Claude and Llama,
``invoke_model`` for Titan and Cohere embeddings. Calls run in a thread (boto3 is synchronous)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from domain.ai.prompts import system_prompt
from domain.ai.types import ChatRequest, ChatResult, EmbedResult, ModelSpec, ProviderError, ToolCall

RETRYABLE_CODES = frozenset({"ThrottlingException", "ServiceUnavailableException", "ModelTimeoutException",
                             "InternalServerException", "ModelNotReadyException", "TooManyRequestsException"})


def _error(exc: Exception) -> ProviderError:
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
        return ProviderError(f"bedrock: {code}", code=code, retryable=code in RETRYABLE_CODES or status >= 500)
    return ProviderError(f"bedrock: {type(exc).__name__}", code=type(exc).__name__, retryable=True)


def converse_arguments(model: ModelSpec, request: ChatRequest) -> dict[str, Any]:
    """The ``converse`` request for a chat request (system prompt carries the delimited evidence)."""
    args: dict[str, Any] = {
        "modelId": model.model_id,
        "system": [{"text": system_prompt(request)}],
        "messages": [{"role": "user", "content": [{"text": request.question}]}],
        "inferenceConfig": {"maxTokens": request.max_tokens},
    }
    if request.tools:
        args["toolConfig"] = {"tools": [{"toolSpec": {"name": t.name, "description": t.description,
                                                      "inputSchema": {"json": t.parameters}}}
                                        for t in request.tools]}
    return args


def _result(response: dict[str, Any]) -> ChatResult:
    content = response.get("output", {}).get("message", {}).get("content", [])
    text = "".join(block.get("text", "") for block in content)
    calls = [ToolCall(id=b["toolUse"]["toolUseId"], name=b["toolUse"]["name"], arguments=b["toolUse"]["input"])
             for b in content if "toolUse" in b]
    usage = response.get("usage", {})
    return ChatResult(text=text, tool_calls=calls, input_tokens=usage.get("inputTokens", 0),
                      output_tokens=usage.get("outputTokens", 0))


class BedrockProvider:
    """Bedrock models; ``client_for(region)`` makes (or returns) a ``bedrock-runtime`` client."""

    name = "bedrock"

    def __init__(self, *, client_for: Callable[[str | None], Any]) -> None:
        self._client_for = client_for

    async def _call(self, model: ModelSpec, operation: str, **kwargs) -> Any:
        client = self._client_for(model.region)
        try:
            return await asyncio.to_thread(getattr(client, operation), **kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise _error(exc) from exc

    async def chat(self, model: ModelSpec, request: ChatRequest) -> ChatResult:
        return _result(await self._call(model, "converse", **converse_arguments(model, request)))

    async def stream(self, model: ModelSpec, request: ChatRequest) -> AsyncIterator[str | ChatResult]:
        response = await self._call(model, "converse_stream", **converse_arguments(model, request))
        events = await asyncio.to_thread(list, response["stream"])  # small answers; read the event stream at once
        parts, usage = [], {}
        for event in events:
            text = event.get("contentBlockDelta", {}).get("delta", {}).get("text")
            if text:
                parts.append(text)
                yield text
            usage = event.get("metadata", {}).get("usage", usage)
        yield ChatResult(text="".join(parts), input_tokens=usage.get("inputTokens", 0),
                         output_tokens=usage.get("outputTokens", 0))

    async def embed(self, model: ModelSpec, texts: list[str]) -> EmbedResult:
        vectors, tokens = [], 0
        for text in texts:  # Titan embeds one text per call
            body = {"inputText": text}
            if model.dimensions:
                body["dimensions"] = model.dimensions
            response = await self._call(model, "invoke_model", modelId=model.model_id, body=json.dumps(body),
                                        contentType="application/json", accept="application/json")
            payload = json.loads(response["body"].read())
            vectors.append(payload["embedding"])
            tokens += payload.get("inputTextTokenCount", 0)
        return EmbedResult(vectors=vectors, input_tokens=tokens, dimensions=len(vectors[0]) if vectors else 0)
