"""Shared setup of the paging tests: a real local SMTP server, people and a policy in a fresh tenant."""

from __future__ import annotations

import email
import socket
import uuid
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller

from domain.incidents.service import NewIncident, create_incident
from domain.members.models import Membership
from domain.members.users import create_user
from domain.paging.policies import create_policy, set_service_policy


@dataclass
class Inbox:
    """Mail a real aiosmtpd server received."""

    messages: list[email.message.Message] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        message["X-Rcpt"] = ",".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.Message]:
        return [m for m in self.messages if m["To"] == address]


def start_smtp() -> tuple[Controller, Inbox]:
    inbox = Inbox()
    with socket.socket() as probe:  # aiosmtpd's controller cannot take port 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


async def add_people(db, tenant, count: int) -> list[tuple[uuid.UUID, str]]:
    """``count`` members of ``tenant``: (user id, email)."""
    people = []
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        for _ in range(count):
            user = await create_user(tx, email=f"p-{uuid.uuid4().hex[:8]}@{tenant.slug}.example.com", password=None)
            tx.session.add(Membership(tenant_id=tenant.tenant_id, user_id=user.id, roles=["responder"]))
            people.append((user.id, user.email))
    return people


async def policy_for(db, tenant, levels: list[list[uuid.UUID]], *, timeout: int = 1, repeat: int = 0,
                     service: str = "checkout") -> uuid.UUID:
    """A policy paging each level's users, ``timeout`` seconds apart, used by ``service``."""
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        policy = await create_policy(tx, name=f"policy {uuid.uuid4().hex[:6]}", repeat=repeat, levels=[
            {"timeout_seconds": timeout, "targets": [{"kind": "user", "id": str(u)} for u in users]}
            for users in levels])
        await set_service_policy(tx, service=service, policy_id=policy.id)
    return policy.id


async def open_incident(db, tenant, *, service: str = "checkout", severity: str = "SEV1"):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await create_incident(tx, new=NewIncident(title="Checkout is down", severity=severity,
                                                         services=[service]), actor="test")
