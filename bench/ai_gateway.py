"""Gateway overhead per call: credit reservation, routing, settlement and audit around one model call.

Ours: ``Gateway.chat`` to an approved OpenAI-compatible model (priced, so every call reserves credits and
settles them with its audit row). Peer: the same request sent with the official ``openai`` client straight
to the same local OpenAI-compatible server. Same run, alternating, p50 of each; goal: <= 3 ms added at p50.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid

from harness import ROOT, alternate, live_servers, report

sys.path.insert(0, str(ROOT))

import openai

from atlas.db import Database
from domain.ai.gateway import Gateway
from domain.ai.governance import ModelDraft, register_model, set_model_status
from domain.ai.prompts import system_prompt
from domain.ai.providers.local import LocalProvider
from domain.ai.providers.openai_compat import OpenAIProvider
from domain.ai.types import ChatRequest, Evidence
from domain.tenants.service import provision_tenant

ROUNDS = 400
PORT = 18_000 + os.getpid() % 1000
EVIDENCE = tuple(Evidence(id=f"inc-{i}", title=f"Incident {i}", text="The disk on db-1 filled with WAL files. " * 4)
                 for i in range(5))


async def setup(db: Database, url: str) -> tuple[uuid.UUID, str]:
    key = f"openai:bench-{uuid.uuid4().hex[:6]}"
    async with db.transaction(tenant_id=None) as tx:
        tenant = await provision_tenant(tx, name="AI bench", slug=f"ai-bench-{uuid.uuid4().hex[:6]}",
                                        admin_email="owner@ai-bench.example.com", admin_password="bench-password-1",
                                        plan="enterprise")
        await register_model(tx, draft=ModelDraft(key=key, provider="openai", model_id="llama-3-8b", kind="chat",
                                                  residency="local", credits_per_1k_input=1, credits_per_1k_output=2,
                                                  base_url=url), actor="bench")
        await set_model_status(tx, key=key, status="approved", actor="bench")
    return tenant.tenant_id, key


@contextlib.contextmanager
def fake_openai_server():
    """The fake OpenAI-compatible server (tests/fake_openai.py) in its own process, like a local vLLM."""
    process = subprocess.Popen([sys.executable, "-m", "uvicorn", "tests.fake_openai:app", "--port", str(PORT),
                                "--log-level", "error"], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        for _ in range(200):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", PORT), timeout=0.1):
                break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{PORT}/v1"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def measure(settings, url: str) -> tuple[list[float], list[float], int]:
    db = Database.from_settings(settings)
    try:
        if True:
            tenant, key = await setup(db, url)
            provider = OpenAIProvider(key_for=lambda name: "sk-bench")
            gateway = Gateway(db=db, providers={"local": LocalProvider(), "openai": provider})
            request = ChatRequest(task="rca", question="Why did db-1 fill up?", evidence=EVIDENCE, model=key,
                                  max_tokens=256)
            direct = openai.AsyncOpenAI(base_url=url, api_key="sk-bench", max_retries=0)
            messages = [{"role": "system", "content": system_prompt(request)},
                        {"role": "user", "content": request.question}]

            async def ours():
                await gateway.chat(tenant_id=tenant, actor="bench", request=request)

            async def peer():
                await direct.chat.completions.create(model="llama-3-8b", messages=messages, max_tokens=256)

            ours_s, peer_s = await alternate(ours, peer, rounds=ROUNDS, warmup=20)
            async with db.transaction(tenant_id=tenant) as tx:
                from domain.ai.queries import usage

                state = await usage(tx)
            assert state.balance == state.ledger_sum, "balance and ledger disagree"
            return [t * 1000 for t in ours_s], [t * 1000 for t in peer_s], state.balance
    finally:
        await db.dispose()


def main() -> None:
    with live_servers() as settings, fake_openai_server() as url:
        started = time.perf_counter()
        ours_ms, peer_ms, balance = asyncio.run(measure(settings, url))
    ours, peer = statistics.median(ours_ms), statistics.median(peer_ms)
    print(f"{ROUNDS} calls each in {time.perf_counter() - started:.1f} s; p50 gateway {ours:.2f} ms, direct "
          f"{peer:.2f} ms, added {ours - peer:.2f} ms; balance {balance} == ledger sum")
    report(bench="ai_gateway", metric="p50 latency of one chat call", unit="ms", ours=ours, peer=peer,
           peer_is="the official openai client calling the same local OpenAI-compatible server directly",
           better="lower", added_ms=round(ours - peer, 3),
           p95_ours=round(statistics.quantiles(ours_ms, n=20)[18], 3),
           p95_peer=round(statistics.quantiles(peer_ms, n=20)[18], 3))


if __name__ == "__main__":
    main()
