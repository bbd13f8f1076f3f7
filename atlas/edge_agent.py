"""The edge agent `atlas agent` runs in a customer's environment: poll for steps, run allowed commands, report.

The allow list is the agent's own (``--allow``), never the server's: a step asking for any other
command is refused here and reported as refused, without running anything. A command runs without a
shell, with the step's timeout (and the agent's ceiling), and its output capped. While it runs, the
agent heartbeats so its lease holds; if the agent dies, the lease expires and the server retries
or fails the step.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from dataclasses import dataclass, field

import httpx

log = logging.getLogger("atlas.agent")
MAX_OUTPUT = 64 * 1024
RETRY_DELAYS = (1.0, 2.0, 5.0, 10.0)


@dataclass
class EdgeAgent:
    """One agent: the server, its key, its allow list and limits."""

    url: str
    key: str
    allow: frozenset[str]
    max_timeout: float = 300.0
    wait: float = 20.0
    ran: list[str] = field(default_factory=list)

    def _headers(self) -> dict[str, str]:
        return {"X-Agent-Key": self.key}

    async def run_forever(self) -> None:
        """Poll, run, report, until cancelled; ride out server outages with backoff."""
        failures = 0
        async with httpx.AsyncClient(base_url=self.url, timeout=self.wait + 10) as http:
            while True:
                try:
                    await self.poll_once(http)
                    failures = 0
                except (httpx.HTTPError, ServerRefused) as exc:
                    if getattr(exc, "status", None) in (401, 403):
                        raise  # a wrong or revoked key does not fix itself
                    delay = RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)]
                    failures += 1
                    log.warning("agent: %s; trying again in %.0f s", exc, delay)
                    await asyncio.sleep(delay)

    async def poll_once(self, http: httpx.AsyncClient) -> bool:
        """One long poll; runs and reports the step it got. Returns whether there was one."""
        response = await http.get("/api/agent/jobs", params={"wait": self.wait}, headers=self._headers())
        if response.status_code == 204:
            return False
        if response.status_code != 200:
            raise ServerRefused(response)
        job = response.json()["job"]
        outcome = await self._run_with_heartbeats(http, job)
        answer = await http.post(f"/api/agent/jobs/{job['id']}/result", json={"attempt": job["attempt"], **outcome},
                                 headers=self._headers())
        if answer.status_code != 200:
            log.warning("agent: the server did not take the result of %s: %s", job["id"], answer.text[:200])
        return True

    async def _run_with_heartbeats(self, http: httpx.AsyncClient, job: dict) -> dict:
        beat = asyncio.create_task(self._heartbeats(http, job))
        try:
            return await self.execute(job["command"], job.get("args", []), float(job.get("timeout", 60)))
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat

    async def _heartbeats(self, http: httpx.AsyncClient, job: dict) -> None:
        every = max(1.0, float(job.get("lease_seconds", 30)) / 3)
        while True:
            await asyncio.sleep(every)
            with contextlib.suppress(httpx.HTTPError):
                await http.post(f"/api/agent/jobs/{job['id']}/heartbeat", json={"attempt": job["attempt"]},
                                headers=self._headers())

    async def execute(self, command: str, args: list[str], timeout: float) -> dict:
        """Run ``command`` if it is on the allow list; exit code, capped output, or the refusal."""
        if command not in self.allow:
            log.warning("agent: refused %r, not on the allow list", command)
            return {"exit_code": None, "refused": True, "stdout": "", "stderr": f"{command!r} is not allowed here"}
        program = shutil.which(command)
        if program is None:
            return {"exit_code": 127, "stdout": "", "stderr": f"{command!r} not found"}
        self.ran.append(command)
        process = await asyncio.create_subprocess_exec(program, *[str(a) for a in args],
                                                       stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            stdout, stderr = await asyncio.wait_for(process.communicate(), min(timeout, self.max_timeout))
        except TimeoutError:
            process.kill()
            await process.wait()
            return {"exit_code": -9, "stdout": "", "stderr": f"timed out after {timeout:.0f} s"}
        return {"exit_code": process.returncode, "stdout": stdout[:MAX_OUTPUT].decode(errors="replace"),
                "stderr": stderr[:MAX_OUTPUT].decode(errors="replace")}


class ServerRefused(Exception):
    """The server answered with an error (bad key, outage)."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}: {response.text[:200]}")
        self.status = response.status_code
