"""The AI gateway of a process: its providers, wired from the settings and the secrets provider."""

from __future__ import annotations

import functools

from atlas.db import Database
from atlas.metrics import observe_ai_call
from atlas.secrets import secrets_provider
from atlas.settings import Settings
from domain.ai.gateway import Gateway, Resilience
from domain.ai.providers.bedrock import BedrockProvider
from domain.ai.providers.local import LocalProvider
from domain.ai.providers.openai_compat import OpenAIProvider


def _bedrock_client_factory(settings: Settings):
    @functools.cache
    def client_for(region: str | None):
        import boto3  # credentials from the environment / instance role, as boto3 finds them

        return boto3.client("bedrock-runtime", region_name=region or settings.ai_bedrock_region or "us-east-1")

    return client_for


def build_gateway(settings: Settings, db: Database) -> Gateway:
    """The gateway with the local, OpenAI-compatible and Bedrock providers."""
    secrets = secrets_provider(settings)
    providers = {
        "local": LocalProvider(),
        "openai": OpenAIProvider(key_for=lambda name: secrets.get(name) if name else None,
                                 timeout=settings.ai_timeout_seconds),
        "bedrock": BedrockProvider(client_for=_bedrock_client_factory(settings)),
    }
    return Gateway(db=db, providers=providers, observe=observe_ai_call, resilience=Resilience(
        retries=settings.ai_retries, timeout=settings.ai_timeout_seconds, cooldown=settings.ai_cooldown_seconds))
