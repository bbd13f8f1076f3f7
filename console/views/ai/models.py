"""The platform's model registry (/console/platform/ai-models): register models, approve or retire them."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import submit, text
from console.guard import signed_in
from console.screens import page, run_screen, screen_status

PROVIDERS = ("local", "openai", "bedrock")
RESIDENCIES = ("local", "region", "external")


async def _screen(request: Request, *, outcome: dict[str, Any] | None = None,
                  values: dict[str, Any] | None = None) -> Response:
    data, errors = await run_screen(request, "ConsolePlatformAiModels", {})
    status = screen_status(outcome, errors, loaded=data.get("platformAiModels") is not None)
    context = {"data": data, "errors": errors, "outcome": outcome or {}, "providers": PROVIDERS,
               "residencies": RESIDENCIES, "values": values or {"provider": "bedrock", "residency": "external"}}
    return await page(request, "ai/models.html", context, block="screen", status_code=status)


async def models_page(request: Request) -> Response:
    """GET /console/platform/ai-models: every model with its status, and the registry's audit."""
    return await _screen(request)


def _number(raw: str) -> int:
    return int(raw) if raw.strip().lstrip("-").isdigit() else 0


async def register_model(request: Request) -> Response:
    """POST /console/platform/ai-models: register a model (pending until approved)."""
    form = await request.form()
    values = {name: text(form, name) for name in ("key", "provider", "modelId", "kind", "residency", "region",
                                                  "creditsIn", "creditsOut", "baseUrl")}
    variables = {"input": {"key": values["key"], "provider": values["provider"], "modelId": values["modelId"],
                           "kind": values["kind"] or "chat", "residency": values["residency"],
                           "region": values["region"] or None, "creditsPer1kInput": _number(values["creditsIn"]),
                           "creditsPer1kOutput": _number(values["creditsOut"]), "baseUrl": values["baseUrl"] or None}}
    return await submit(request, "ConsoleRegisterAiModel", "registerAiModel", variables, show=_screen,
                        form="register", values=values, notice=lambda ok: f"{ok['model']['key']} registered.")


async def set_status(request: Request) -> Response:
    """POST /console/platform/ai-models/status (key, status): approve, suspend or retire a model."""
    form = await request.form()
    key, status = text(form, "key"), text(form, "status")
    return await submit(request, "ConsoleSetAiModelStatus", "setAiModelStatus", {"key": key, "status": status},
                        show=_screen, form=f"model:{key}",
                        notice=lambda ok: f"{ok['model']['key']} is now {ok['model']['status']}.")


routes = [
    Route("/platform/ai-models", signed_in(models_page), methods=["GET"], name="console_platform_ai_models"),
    Route("/platform/ai-models", signed_in(register_model), methods=["POST"], name="console_register_ai_model"),
    Route("/platform/ai-models/status", signed_in(set_status), methods=["POST"], name="console_ai_model_status"),
]
