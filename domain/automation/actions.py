"""What steps do to the world: HTTP requests (secrets by reference, idempotency keys) and AtlasAI actions.

Secret header values are read from the secrets provider at call time under the tenant's own names
(``automation.<tenant id>.<name>``); they are never stored in a step's inputs or outputs, nor logged.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy import select

from domain.auth.principals import user_principal
from domain.automation.models import Run, Workflow
from domain.errors import Forbidden, ValidationFailed
from domain.incidents import service as incidents
from domain.members.models import User

if TYPE_CHECKING:
    from domain.automation.models import RunStep
    from domain.ports import SecretReader
    from domain.principal import Principal
    from domain.uow import Transaction

MAX_BODY = 64 * 1024
ACTION_PERMISSIONS = {"incident.comment": "incident.write", "incident.transition": "incident.write"}
IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class HttpCall:
    """One attempt of an HTTP step, as claimed."""

    step_id: uuid.UUID
    attempt: int
    inputs: dict[str, Any]

    @classmethod
    def of(cls, step: RunStep) -> HttpCall:
        return cls(step.id, step.attempt, dict(step.inputs))

    @property
    def idempotency_key(self) -> str:
        return f"{self.step_id}:{self.attempt}"


@dataclass(frozen=True)
class Result:
    ok: bool
    outputs: dict[str, Any] = field(default_factory=dict)
    error: str = ""


def secret_name(tenant_id: uuid.UUID, name: str) -> str:
    """The provider's name for a tenant's automation secret."""
    return f"automation.{tenant_id}.{name}"


def _headers(call: HttpCall, secrets: SecretReader, tenant_id: uuid.UUID) -> dict[str, str] | str:
    headers = {**call.inputs.get("headers", {}), IDEMPOTENCY_HEADER: call.idempotency_key}
    for header, name in call.inputs.get("secret_headers", {}).items():
        try:
            value = secrets.get(secret_name(tenant_id, name))
        except Exception:  # noqa: BLE001 (an invalid name or an unreachable provider: name the secret, no more)
            value = None
        if value is None:
            return f"secret {name!r} is not available"
        headers[header] = value
    return headers


def _body(response: httpx.Response) -> Any:
    text = response.text[:MAX_BODY]
    try:
        return json.loads(text)
    except ValueError:
        return text


async def call_http(call: HttpCall, *, secrets: SecretReader, tenant_id: uuid.UUID) -> Result:
    """Make the request; a 2xx answer succeeds, anything else (or no answer) fails the attempt."""
    headers = _headers(call, secrets, tenant_id)
    if isinstance(headers, str):
        return Result(False, error=headers)
    body = call.inputs.get("body")
    try:
        async with httpx.AsyncClient(timeout=float(call.inputs.get("timeout", 60)), follow_redirects=False) as http:
            response = await http.request(call.inputs.get("method", "POST"), call.inputs["url"], headers=headers,
                                          json=body if body is not None else None)
    except httpx.HTTPError as failed:
        return Result(False, error=f"{type(failed).__name__}: {failed}"[:500])
    outputs = {"status": response.status_code, "body": _body(response)}
    if not response.is_success:
        return Result(False, outputs, error=f"HTTP {response.status_code}")
    return Result(True, outputs)


def _incident_id(params: dict) -> uuid.UUID:
    try:
        return uuid.UUID(str(params.get("incident_id")))
    except ValueError:
        raise ValidationFailed("params.incident_id is not an incident id.", field="params") from None


async def _requester(tx: Transaction, run: Run) -> Principal | None:
    """Who the run acts for: the person who started it, or the person who saved its workflow."""
    email = run.requested_by
    if run.workflow_id is not None and email.startswith("workflow:"):
        email = await tx.session.scalar(select(Workflow.created_by).where(Workflow.id == run.workflow_id))
    user_id = await tx.session.scalar(select(User.id).where(User.email == email))
    if user_id is None:
        return None
    try:
        return await user_principal(tx, user_id=user_id, entitlements={})
    except Forbidden:  # no longer a member
        return None


async def run_mutation(tx: Transaction, run: Run, inputs: dict, *, actor: str) -> dict[str, Any]:
    """An AtlasAI action inside the run's transaction (exactly once with the step's state change), allowed
    only when the person the run acts for holds the action's permission now."""
    params, action = inputs.get("params", {}), inputs.get("action")
    requester = await _requester(tx, run)
    if requester is None or not requester.can(ACTION_PERMISSIONS.get(action, "incident.write")):
        raise Forbidden(f"{run.requested_by} may not {action} (the run acts with its requester's permissions).")
    if action == "incident.comment":
        incident = await incidents.comment(tx, incident_id=_incident_id(params), body=str(params.get("body", "")),
                                           actor=actor)
    elif action == "incident.transition":
        incident = await incidents.transition_incident(tx, incident_id=_incident_id(params),
                                                       to=str(params.get("to", "")), actor=actor,
                                                       note=str(params.get("note", "")))
    else:
        raise ValidationFailed(f"Unknown action {action!r}.", field="action")
    return {"incident_id": str(incident.id), "status": incident.status, "version": incident.version}
