"""A small local HTTP server speaking the OpenAI chat/embeddings API (plain JSON, SSE streaming, tool calls).

Tests and bench/ai_gateway.py point the real ``openai`` client at it. ``FakeOpenAI.script`` queues replies:
``"ok"`` (an answer), ``"tool"`` (a tool call), ``{"content": "..."}`` (an answer with that text), or an HTTP
status (429, 500, 400) to fail with.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

USAGE = {"prompt_tokens": 120, "completion_tokens": 12, "total_tokens": 132}


def _answer(body: dict, tool: bool, content: str = "The disk filled with WAL files [inc-1].") -> dict:
    message: dict = {"role": "assistant", "content": content}
    if tool:
        name = body["tools"][0]["function"]["name"]
        message = {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": name, "arguments": '{"service": "nginx"}'}}]}
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if tool else "stop"}],
            "usage": USAGE}


def _chunks(model: str):
    for piece in ["The disk ", "filled with ", "WAL files ", "[inc-1]."]:
        chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": model,
                 "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
        yield f"data: {json.dumps(chunk)}\n\n"
    last = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": model, "choices": [],
            "usage": USAGE}
    yield f"data: {json.dumps(last)}\n\ndata: [DONE]\n\n"


class FakeOpenAI:
    """The server's state: scripted replies and the requests it received."""

    def __init__(self) -> None:
        self.script: list[str | int] = []
        self.requests: list[dict] = []
        self.app = Starlette(routes=[Route("/v1/chat/completions", self.chat, methods=["POST"]),
                                     Route("/v1/embeddings", self.embeddings, methods=["POST"])])
        self.url = ""

    async def chat(self, request: Request):
        body = await request.json()
        self.requests.append(body)
        reply = self.script.pop(0) if self.script else "ok"
        if isinstance(reply, int):
            return JSONResponse({"error": {"message": f"scripted {reply}", "type": "x"}}, status_code=reply)
        if isinstance(reply, dict):
            return JSONResponse(_answer(body, False, reply["content"]))
        if body.get("stream"):
            return StreamingResponse(_chunks(body["model"]), media_type="text/event-stream")
        return JSONResponse(_answer(body, reply == "tool"))

    async def embeddings(self, request: Request):
        body = await request.json()
        self.requests.append(body)
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = [{"object": "embedding", "index": i, "embedding": [float(len(t) % 7)] + [0.5] * 383}
                for i, t in enumerate(texts)]
        return JSONResponse({"object": "list", "data": data, "model": body["model"],
                             "usage": {"prompt_tokens": 8 * len(texts), "total_tokens": 8 * len(texts)}})


@contextlib.asynccontextmanager
async def serve_fake_openai():
    """Run a :class:`FakeOpenAI` on a free local port; yields it with ``url`` set (``.../v1``)."""
    fake = FakeOpenAI()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    fake.url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    server = uvicorn.Server(uvicorn.Config(fake.app, log_level="error", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield fake
    finally:
        server.should_exit = True
        await task


app = FakeOpenAI().app  # `uvicorn tests.fake_openai:app`: the fake as a separate process (bench/ai_gateway.py)
