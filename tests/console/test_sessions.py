"""Console sessions in Redis: hashed keys, the documented JSON, a sliding TTL, rotation, ending."""

from __future__ import annotations

import hashlib
import json
import uuid

from starlette.responses import Response

from console.sessions import Session, SessionStore, session_key, set_session_cookie


def _store(app) -> SessionStore:
    return SessionStore(app.state.runtime.redis, ttl=600)


async def test_a_session_is_stored_under_the_hash_of_its_cookie_as_json(app):
    store = _store(app)
    user, tenant = uuid.uuid4(), uuid.uuid4()

    session = await store.create(user_id=user, tenant_id=tenant)

    key = "atlas:session:" + hashlib.sha256(session.cookie.encode()).hexdigest()
    stored = json.loads(await app.state.runtime.redis.get(key))
    assert set(stored) == {"user_id", "tenant_id", "csrf", "created_at"}
    assert stored["user_id"] == str(user) and stored["tenant_id"] == str(tenant)
    assert session.cookie not in json.dumps(stored) and len(session.cookie) >= 43
    assert 0 < await app.state.runtime.redis.ttl(key) <= 600


async def test_using_a_session_refreshes_its_ttl(app):
    store, redis = _store(app), app.state.runtime.redis
    session = await store.create(user_id=uuid.uuid4(), tenant_id=None)
    await redis.expire(session_key(session.cookie), 5)

    loaded = await store.load(session.cookie)

    assert loaded == session
    assert await redis.ttl(session_key(session.cookie)) > 500


async def test_moving_to_a_tenant_rotates_the_cookie_and_csrf_token(app):
    store = _store(app)
    session = await store.create(user_id=uuid.uuid4(), tenant_id=None)
    tenant = uuid.uuid4()

    moved = await store.move_to_tenant(session, tenant)

    assert moved.tenant_id == tenant and moved.user_id == session.user_id
    assert moved.cookie != session.cookie and moved.csrf != session.csrf
    assert await store.load(session.cookie) is None
    assert (await store.load(moved.cookie)).created_at == session.created_at


async def test_unknown_oversized_or_corrupt_cookies_load_nothing(app):
    store = _store(app)
    await app.state.runtime.redis.set(session_key("corrupt"), "{not json", ex=60)

    assert await store.load("no-such-session") is None
    assert await store.load("x" * 500) is None
    assert await store.load("corrupt") is None
    assert await store.load(None) is None


def test_the_cookie_is_secure_in_production():
    response = Response()
    session = Session(cookie="c" * 43, user_id=uuid.uuid4(), tenant_id=None, csrf="t" * 43, created_at=0.0)

    set_session_cookie(response, session, secure=True)

    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"atlas_session={'c' * 43};")
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
