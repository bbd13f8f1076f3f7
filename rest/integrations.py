"""Drop-in alert endpoints (repoint a URL, change nothing else) and heartbeat pings.

Each answers as the original API does: PagerDuty Events v2 (202 ``{status, message, dedup_key}``,
400 ``{status, message, errors}``), Alertmanager's webhook receiver (200), Opsgenie's Alert API (202
``{result, took, requestId}``, 422 ``{message, errors, took, requestId}``). The translation is
domain/integrations/formats.py; storing is domain/integrations/service.py.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from domain import strict_json
from domain.errors import NotFound, ValidationFailed
from domain.integrations import formats, heartbeats, service
from domain.integrations.formats import PayloadRefused
from rest.ingest_http import REFUSED, IngestHTTPError, note_ingest, read_body

Answer = Callable[[int, str, list[str]], JSONResponse]


def _pagerduty_answer(status: int, message: str, errors: list[str]) -> JSONResponse:
    return JSONResponse({"status": "invalid event" if status == 400 else "error", "message": message,
                         "errors": errors}, status_code=status)


def _opsgenie_answer(started: float) -> Answer:
    def answer(status: int, message: str, errors: list[str]) -> JSONResponse:
        body = {"message": message, "took": round(time.perf_counter() - started, 3), "requestId": str(uuid.uuid4())}
        if errors and errors != [message]:
            body["errors"] = {"message": errors[0]} if len(errors) == 1 else {str(i): e for i, e in enumerate(errors)}
        return JSONResponse(body, status_code=status)
    return answer


def _plain_answer(status: int, message: str, errors: list[str]) -> JSONResponse:
    return JSONResponse({"status": "error", "error": message, "errors": errors}, status_code=status)


async def _body(request: Request) -> object:
    raw = await read_body(request)
    if not raw.strip():
        return {}
    try:
        return strict_json.loads(raw)
    except strict_json.BadJSON as exc:
        raise PayloadRefused("Body is not valid JSON", [str(exc)]) from None


async def _handle(request: Request, *, kind: str, key: str | None, action: str, answer: Answer,
                  translate: Callable[[object], list[dict]], accepted: Callable[[], JSONResponse]) -> JSONResponse:
    """Authenticate, translate, store; map every refusal to the original API's answer."""
    runtime = request.app.state.runtime
    sender, body = None, None
    try:
        sender = await service.authenticate(runtime.db, key, kind=kind)
        body = service.without_key(await _body(request), key)
        events = translate(body)
        await service.receive(runtime.db, runtime.redis, sender=sender, action=action, events=events,
                              body=body if isinstance(body, dict) else {"body": body})
    except (PayloadRefused, ValidationFailed) as exc:
        errors = getattr(exc, "errors", [exc.message])
        if sender is not None:
            await service.remember_refusal(runtime.db, sender=sender, action=action, status_code=400,
                                           body=body if isinstance(body, dict) else {"body": body},
                                           detail="; ".join(errors))
        return answer(422 if kind == "opsgenie" else 400, exc.message, errors)
    except IngestHTTPError as exc:
        return answer(exc.status, exc.message, [exc.message])
    except REFUSED as exc:
        refusal = IngestHTTPError.of(exc)
        response = answer(refusal.status, refusal.message, [refusal.message])
        if refusal.retry_after:
            response.headers["Retry-After"] = str(refusal.retry_after)
        return response
    note_ingest(request, f"integration.{kind}", {"accepted": len(events), "rejected": []})
    return accepted()


def _bearer(request: Request, scheme: str = "bearer") -> str | None:
    given, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if given.lower() == scheme else None


async def pagerduty_enqueue(request: Request) -> JSONResponse:
    """PagerDuty Events API v2: the routing key in the body names the integration."""
    holder: dict = {}

    def translate(body: object) -> list[dict]:
        holder["dedup_key"], event = formats.pagerduty_event(body)
        return [event]

    routing_key = None
    try:
        peek = strict_json.loads(await read_body(request) or b"{}")
        routing_key = peek.get("routing_key") if isinstance(peek, dict) else None
    except (strict_json.BadJSON, IngestHTTPError):
        pass
    if not isinstance(routing_key, str):
        return _pagerduty_answer(400, "Event object is invalid", ["'routing_key' is missing or invalid"])
    return await _handle(request, kind="pagerduty", key=routing_key, action="enqueue", answer=_pagerduty_answer,
                         translate=translate, accepted=lambda: JSONResponse(
                             {"status": "success", "message": "Event processed", "dedup_key": holder["dedup_key"]},
                             status_code=202))


async def alertmanager_webhook(request: Request) -> JSONResponse:
    """Alertmanager's webhook_configs receiver, with ``authorization: {credentials: <key>}``."""
    return await _handle(request, kind="alertmanager", key=_bearer(request), action="webhook",
                         answer=_plain_answer, translate=formats.alertmanager_events,
                         accepted=lambda: JSONResponse({"status": "success"}))


async def opsgenie_create(request: Request) -> JSONResponse:
    """Opsgenie: POST /v2/alerts with ``Authorization: GenieKey <key>``."""
    return await _opsgenie(request, action="create", translate=lambda body: [formats.opsgenie_alert(body)])


async def opsgenie_close(request: Request) -> JSONResponse:
    return await _opsgenie_state(request, "close", "resolved")


async def opsgenie_acknowledge(request: Request) -> JSONResponse:
    return await _opsgenie_state(request, "acknowledge", "acknowledged")


async def _opsgenie_state(request: Request, action: str, status: str) -> JSONResponse:
    identifier_type = request.query_params.get("identifierType", "id")
    if identifier_type != "alias":
        return _opsgenie_answer(time.perf_counter())(
            422, "Request body is not processable. Please check the errors.",
            [f"identifierType={identifier_type} is not supported here: close and acknowledge by alias"])
    alias = request.path_params["identifier"]
    return await _opsgenie(request, action=action,
                           translate=lambda body: [formats.opsgenie_state(alias, status, body)])


async def _opsgenie(request: Request, *, action: str, translate) -> JSONResponse:
    started = time.perf_counter()
    return await _handle(request, kind="opsgenie", key=_bearer(request, "geniekey"), action=action,
                         answer=_opsgenie_answer(started), translate=translate, accepted=lambda: JSONResponse(
                             {"result": "Request will be processed", "took": round(time.perf_counter() - started, 3),
                              "requestId": str(uuid.uuid4())}, status_code=202))


async def heartbeat_ping(request: Request) -> JSONResponse:
    """Ping a heartbeat: its key as ``Authorization: Bearer|GenieKey <key>`` or ``?apiKey=``."""
    runtime = request.app.state.runtime
    key = _bearer(request) or _bearer(request, "geniekey") or request.query_params.get("apiKey")
    try:
        sender = await service.authenticate(runtime.db, key, kind="heartbeat")
        async with runtime.db.transaction(tenant_id=sender.tenant_id) as tx:
            beat = await heartbeats.ping(tx, sender=sender, name=request.path_params["name"])
            answer = {"result": "PONG - Heartbeat received", "name": beat.name, "state": beat.state}
    except NotFound as exc:
        return JSONResponse({"message": exc.message}, status_code=404)
    except REFUSED as exc:
        refusal = IngestHTTPError.of(exc)
        return JSONResponse({"message": refusal.message}, status_code=refusal.status)
    return JSONResponse(answer, status_code=202)


routes = [
    Route("/api/integrations/pagerduty/enqueue", pagerduty_enqueue, methods=["POST"]),
    # PagerDuty's clients append /v2/enqueue to their base URL: give them <server>/api/integrations/pagerduty
    Route("/api/integrations/pagerduty/v2/enqueue", pagerduty_enqueue, methods=["POST"]),
    Route("/api/integrations/alertmanager", alertmanager_webhook, methods=["POST"]),
    Route("/api/integrations/opsgenie/v2/alerts", opsgenie_create, methods=["POST"]),
    Route("/api/integrations/opsgenie/v2/alerts/{identifier}/close", opsgenie_close, methods=["POST"]),
    Route("/api/integrations/opsgenie/v2/alerts/{identifier}/acknowledge", opsgenie_acknowledge, methods=["POST"]),
    Route("/api/heartbeats/{name}/ping", heartbeat_ping, methods=["GET", "POST"]),
]
