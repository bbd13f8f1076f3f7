"""arq's queue in fewer Redis round trips: enqueue in one, and a worker claims several jobs in one.

arq enqueues a job in three round trips (WATCH the job's key, check it and its result do not exist,
MULTI/EXEC the job and its queue entry) and claims each job in four (WATCH its in-progress key,
EXISTS, ZSCORE, MULTI/EXEC of the claim). Both are check-then-write steps, and a Lua script is
atomic in Redis, so each becomes one script with the same keys, values and outcome:

- ``AtlasRedis.enqueue_job``: the job is stored and queued only when neither it nor its result
  exists (a duplicate id gives None, as in arq).
- ``CLAIM``: a worker with ``free`` job slots reads the due part of the queue (the first
  ``read_limit`` entries, as arq does) and claims up to ``free`` of those no worker holds, by
  setting their in-progress key (the lease) for ``lease_ms``. It answers whether more due jobs
  were left for want of a slot, so the worker can come back as soon as one frees.

Both keep arq's data layout, so arq's own code (run_job, finish_job, Job.status, the outbox
sweep's result_info) reads and writes the same keys as before.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from arq.connections import ArqRedis
from arq.constants import job_key_prefix, result_key_prefix
from arq.jobs import Job, serialize_job
from arq.utils import timestamp_ms, to_ms, to_unix_ms

ENQUEUE = """
if redis.call('EXISTS', KEYS[1], KEYS[2]) ~= 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
return 1
"""

CLAIM = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[4]))
local free = tonumber(ARGV[3])
local claimed = {}
local waiting = 0
for i = 1, #due, 2 do
  local lease = ARGV[5] .. due[i]
  if redis.call('EXISTS', lease) == 0 then
    if free == 0 then
      waiting = 1
      break
    end
    redis.call('SET', lease, '1', 'PX', ARGV[2])
    claimed[#claimed + 1] = due[i]
    claimed[#claimed + 1] = due[i + 1]
    free = free - 1
  end
end
return {waiting, claimed}
"""


class AtlasRedis(ArqRedis):
    """arq's Redis client whose ``enqueue_job`` is one round trip (a script) instead of three."""

    _enqueue_script: Any = None

    @classmethod
    def adopt(cls, client: ArqRedis) -> AtlasRedis:
        """``client`` (from arq's ``create_pool``) as an AtlasRedis on the same connection pool, which it closes."""
        adopted = cls(client.connection_pool, job_serializer=client.job_serializer,
                      job_deserializer=client.job_deserializer, default_queue_name=client.default_queue_name,
                      expires_extra_ms=client.expires_extra_ms)
        adopted.auto_close_connection_pool = True
        return adopted

    async def enqueue_job(self, function: str, *args: Any, _job_id: str | None = None,
                          _queue_name: str | None = None, _defer_until: datetime | None = None,
                          _defer_by: float | timedelta | None = None, _expires: float | timedelta | None = None,
                          _job_try: int | None = None, **kwargs: Any) -> Job | None:
        """arq's enqueue_job (same arguments, keys and answer: None when the id is taken), in one round trip."""
        if _defer_until and _defer_by:
            raise RuntimeError("use either 'defer_until' or 'defer_by' or neither, not both")
        queue = _queue_name or self.default_queue_name
        job_id = _job_id or uuid4().hex
        enqueued_ms = timestamp_ms()
        score = to_unix_ms(_defer_until) if _defer_until is not None else enqueued_ms + (to_ms(_defer_by) or 0)
        expires_ms = to_ms(_expires) or score - enqueued_ms + self.expires_extra_ms
        payload = serialize_job(function, args, kwargs, _job_try, enqueued_ms, serializer=self.job_serializer)
        if self._enqueue_script is None:
            self._enqueue_script = self.register_script(ENQUEUE)
        stored = await self._enqueue_script(keys=[job_key_prefix + job_id, result_key_prefix + job_id, queue],
                                            args=[payload, expires_ms, score, job_id], client=self)
        if not stored:
            return None
        return Job(job_id, redis=self, _queue_name=queue, _deserializer=self.job_deserializer)
