"""Inbound signed webhooks: an outside system starts a `webhook` workflow with a JSON body it signs.

The workflow's secret is made (and shown once) by :func:`rotate_webhook_secret` and kept sealed.
A request carries ``X-Atlas-Timestamp`` (unix seconds, within five minutes) and ``X-Atlas-Signature:
sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">``; the body is the run's subject and what the
workflow's condition reads as ``event``. A replayed request (same signature) starts nothing new.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import select

from domain.automation.models import Run, Workflow
from domain.automation.triggers import matches, start_for
from domain.errors import Conflict, NotFound, Unauthenticated, ValidationFailed

if TYPE_CHECKING:
    from domain.uow import Transaction, UnitOfWork

TOLERANCE = 300  # seconds between the sender's timestamp and ours
MAX_BODY = 256 * 1024


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """What a sender puts in ``X-Atlas-Signature``."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


async def _webhook_workflow(tx: Transaction, workflow_id: uuid.UUID) -> Workflow:
    workflow = await tx.session.scalar(select(Workflow).where(
        Workflow.tenant_id == tx.tenant_id, Workflow.id == workflow_id, Workflow.trigger == "webhook")
        .with_for_update())
    if workflow is None:
        raise NotFound("No such webhook workflow.", field="id")
    return workflow


async def rotate_webhook_secret(tx: Transaction, *, workflow_id: uuid.UUID, seal: Callable[[str], bytes]) -> str:
    """A new signing secret for a webhook workflow (the old one stops working); shown once."""
    workflow = await _webhook_workflow(tx, workflow_id)
    secret = "awh_" + secrets.token_urlsafe(32)
    workflow.webhook_secret = seal(secret)
    return secret


def _check_signature(workflow: Workflow, *, open_sealed: Callable[[bytes], str], timestamp: str, body: bytes,
                     presented: str) -> None:
    if workflow.webhook_secret is None:
        raise Conflict("This workflow has no signing secret yet; rotate one first.")
    try:
        skew = abs(time.time() - int(timestamp))
    except ValueError:
        raise Unauthenticated("X-Atlas-Timestamp must be unix seconds.") from None
    if skew > TOLERANCE:
        raise Unauthenticated("X-Atlas-Timestamp is more than five minutes off.")
    expected = signature(open_sealed(workflow.webhook_secret), timestamp, body)
    if not hmac.compare_digest(expected, presented):
        raise Unauthenticated("Bad signature.")


async def receive_webhook(db: UnitOfWork, *, tenant_id: uuid.UUID, workflow_id: uuid.UUID, body: bytes,
                          timestamp: str, presented: str, open_sealed: Callable[[bytes], str]) -> Run | None:
    """Verify a webhook and start its workflow (None: accepted, but the condition does not hold)."""
    if len(body) > MAX_BODY:
        raise ValidationFailed(f"The body is larger than {MAX_BODY} bytes.")
    async with db.transaction(tenant_id=tenant_id) as tx:
        workflow = await _webhook_workflow(tx, workflow_id)
        _check_signature(workflow, open_sealed=open_sealed, timestamp=timestamp, body=body, presented=presented)
        try:
            payload = json.loads(body)
        except ValueError:
            raise ValidationFailed("The body is not JSON.") from None
        if not isinstance(payload, dict):
            raise ValidationFailed("The body must be a JSON object.")
        if not workflow.enabled or not matches(workflow, payload):
            return None
        return await start_for(tx, workflow, subject=payload, trigger_key=f"webhook:{presented}", event="webhook")
