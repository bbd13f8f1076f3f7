"""A tenant plane's view of the control plane: its JWKS (fetched over HTTP and cached) and its API.

A tenant plane deployed apart verifies tokens and deliveries with the control plane's public keys. It
fetches ``/.well-known/jwks.json`` at start-up, again every ``ATLAS_JWKS_CACHE_SECONDS``, and when it
meets an unknown ``kid`` (at most once every few seconds). When the control plane is down the cached
keys stay in use: tokens the plane could verify before still verify, and ingest keeps working.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx
from jwt.algorithms import OKPAlgorithm

from atlas.keys import KeyRingError

log = logging.getLogger("atlas.control_plane")
JWKS_PATH = "/.well-known/jwks.json"
MISS_REFETCH_INTERVAL = 5.0  # an unknown kid asks the control plane at most this often
TIMEOUT = httpx.Timeout(5.0)


@dataclass(frozen=True)
class PublicKey:
    """A verification key from the control plane's JWKS (what domain.auth.tokens needs of a key)."""

    kid: str
    public_key: Any


def parse_jwks(document: Any) -> dict[str, PublicKey]:
    """The Ed25519 keys of a JWKS document (others are skipped)."""
    keys = {}
    for jwk in (document or {}).get("keys", []) if isinstance(document, dict) else []:
        if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or not isinstance(jwk.get("kid"), str):
            continue
        try:
            keys[jwk["kid"]] = PublicKey(jwk["kid"], OKPAlgorithm.from_jwk(json.dumps(jwk)))
        except (ValueError, TypeError, KeyError):
            continue
    return keys


class ControlPlane:
    """HTTP to the control plane (``ATLAS_CONTROL_PLANE_URL``) and the cached copy of its JWKS.

    ``transport`` is the network (tests pass one that reaches in-process apps).
    """

    def __init__(self, url: str, *, cache_seconds: int, credential: str | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.url = url.rstrip("/")
        self.cache_seconds = cache_seconds
        self.credential = credential
        self.transport = transport
        self._keys: dict[str, PublicKey] = {}
        self._fetched_at = 0.0
        self._tried_at = 0.0
        self._lock = asyncio.Lock()
        self._refreshing: asyncio.Task | None = None

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, transport=self.transport, timeout=TIMEOUT)

    # ---- the KeySource of domain.auth.tokens

    @property
    def signing_key(self) -> Any:
        raise KeyRingError("a tenant plane signs no tokens: the control plane does")

    def verification_key(self, kid: str) -> PublicKey | None:
        return self._keys.get(kid)

    def jwks(self) -> dict:
        return {"keys": [json.loads(OKPAlgorithm.to_jwk(k.public_key)) | {"kid": k.kid}
                         for k in self._keys.values()]}

    # ---- keeping the copy fresh

    async def refresh_for(self, kid: str | None) -> None:
        """Before verifying a token: a stale copy is refreshed in the background (the request goes on with
        the cached keys, so a CP outage costs no request time); an unknown ``kid`` waits for one fetch.
        Both at most once every few seconds."""
        now = time.monotonic()
        if now - self._tried_at <= MISS_REFETCH_INTERVAL:
            return
        if kid is not None and kid not in self._keys:
            await self.fetch_keys()
        elif now - self._fetched_at > self.cache_seconds and (self._refreshing is None or self._refreshing.done()):
            self._tried_at = now
            self._refreshing = asyncio.create_task(self.fetch_keys(), name="atlas-jwks-refresh")

    async def fetch_keys(self) -> bool:
        """Fetch the JWKS; on failure keep the keys held (the control plane may be down) and say so."""
        async with self._lock:
            self._tried_at = time.monotonic()
            try:
                async with self.client() as http:
                    response = await http.get(JWKS_PATH)
                response.raise_for_status()
                keys = parse_jwks(response.json())
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("control plane JWKS unavailable (%s); keeping %d cached keys", exc, len(self._keys))
                return False
            if keys:
                self._keys = keys
                self._fetched_at = time.monotonic()
            return True

    # ---- calls a tenant plane makes

    async def heartbeat(self, *, version: str) -> dict:
        """POST /api/planes/heartbeat with this plane's credential."""
        async with self.client() as http:
            response = await http.post("/api/planes/heartbeat", json={"version": version},
                                       headers={"Authorization": f"Bearer {self.credential or ''}"})
        response.raise_for_status()
        return response.json()

    async def redeem_signin_code(self, code: str) -> dict | None:
        """Exchange a console sign-in code for who signs in where (None: unknown, used or expired)."""
        async with self.client() as http:
            response = await http.post("/api/auth/signin-code", json={"code": code},
                                       headers={"Authorization": f"Bearer {self.credential or ''}"})
        if response.status_code in (400, 401, 404):
            return None
        response.raise_for_status()
        return response.json()
