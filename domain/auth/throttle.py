"""Login throttling in Redis: failures are counted per (email, client address) and per email.

The per-address limit stops guessing from one place without letting anyone lock a user out from
elsewhere; the per-email limit (ten times higher) slows a distributed attack on one account.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from redis.asyncio import Redis

from domain.errors import TooManyAttempts

GLOBAL_FACTOR = 10


@dataclass(frozen=True)
class LoginThrottle:
    """Counts failed sign-ins and refuses further attempts past the limit, for a while."""

    redis: Redis
    max_failures: int
    window_seconds: int

    def _keys(self, email: str, address: str) -> tuple[str, str]:
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        return f"atlas:login-fail:{digest}:{address}", f"atlas:login-fail:{digest}"

    async def check(self, *, email: str, address: str) -> None:
        """Raise TooManyAttempts if this email may not try again from this address yet."""
        local, overall = self._keys(email, address)
        counts = await self.redis.mget(local, overall)
        local_count, overall_count = (int(c or 0) for c in counts)
        if local_count >= self.max_failures or overall_count >= self.max_failures * GLOBAL_FACTOR:
            retry_after = max(await self.redis.ttl(local), await self.redis.ttl(overall), 1)
            raise TooManyAttempts(
                f"Too many failed sign-ins; try again in {retry_after} seconds.", retry_after=retry_after
            )

    async def failed(self, *, email: str, address: str) -> None:
        """Count one failure."""
        async with self.redis.pipeline(transaction=True) as pipe:
            for key in self._keys(email, address):
                pipe.incr(key)
                pipe.expire(key, self.window_seconds, nx=True)
            await pipe.execute()

    async def succeeded(self, *, email: str, address: str) -> None:
        """Forget this address's failures after a successful sign-in."""
        await self.redis.delete(self._keys(email, address)[0])
