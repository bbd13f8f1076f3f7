"""Sign-in throttling: failures lock out one address for one email, not the account everywhere."""

import uuid

import pytest

from domain.auth.throttle import LoginThrottle
from domain.errors import TooManyAttempts


async def test_failures_from_one_address_lock_it_out_but_not_others(runtime):
    throttle = LoginThrottle(runtime.redis, max_failures=3, window_seconds=60)
    email = f"{uuid.uuid4().hex}@example.com"
    for _ in range(3):
        await throttle.check(email=email, address="10.0.0.1")
        await throttle.failed(email=email, address="10.0.0.1")

    with pytest.raises(TooManyAttempts) as locked:
        await throttle.check(email=email.upper(), address="10.0.0.1")
    await throttle.check(email=email, address="10.0.0.2")

    assert 1 <= locked.value.retry_after <= 60


async def test_a_success_forgets_that_addresss_failures(runtime):
    throttle = LoginThrottle(runtime.redis, max_failures=2, window_seconds=60)
    email = f"{uuid.uuid4().hex}@example.com"
    await throttle.failed(email=email, address="10.0.0.1")

    await throttle.succeeded(email=email, address="10.0.0.1")
    await throttle.failed(email=email, address="10.0.0.1")

    await throttle.check(email=email, address="10.0.0.1")
