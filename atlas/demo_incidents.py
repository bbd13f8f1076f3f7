"""Demo incidents: a realistic set in every state, with timelines, so a new install looks alive.

Each story is a list of steps at minutes before now, replayed through the domain services with
the domain clock set to that moment, so timelines, acknowledgement and resolution times are real.
Their source is ``demo``: correlation leaves them out, so `atlas simulate` outages are never chained
under a story.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from atlas.db import Database
from domain import clock
from domain.incidents import links, postmortems, service
from domain.incidents.models import Incident
from domain.members.models import Membership
from domain.members.users import create_user, user_by_email
from domain.uow import Transaction

DEMO_SOURCE = "demo"  # illustrative history: the correlation engine never links live alerts to it

TEAM = {
    "priya": ("priya.raman@demo.local", "Priya Raman", ["responder"]),
    "marcus": ("marcus.lee@demo.local", "Marcus Lee", ["responder"]),
    "dana": ("dana.ortiz@demo.local", "Dana Ortiz", ["change-manager"]),
}

# (minutes ago, action, arguments); "new" starts the story's incident
STORIES: list[dict[str, Any]] = [
    {"key": "checkout", "steps": [(4, "new", dict(title="Checkout API error rate above 5%", severity="SEV1",
                                                   services=["checkout", "payments"], labels={"env": "prod"}))]},
    {"key": "payments", "steps": [
        (48, "new", dict(title="Payments provider timeouts", severity="SEV2", services=["payments"])),
        (45, "move", "open"), (44, "assign", "marcus"), (44, "responder", ("marcus", "commander")),
        (43, "responder", ("priya", "responder")), (40, "move", "investigating"),
        (35, "comment", "Provider status page reports degraded API in eu-west-1; retries are piling up."),
        (20, "comment", "Raised retry backoff to 2 s; error rate is falling."),
    ]},
    {"key": "replica", "steps": [
        (41, "new", dict(title="Replica lag on orders-db above 60 s", severity="SEV2", services=["orders-db"])),
        (39, "move", "open"), (38, "assign", "priya"), (30, "move", "investigating"),
        (29, "link", ("payments", "parent", "Payment retries flood orders-db writes")),
    ]},
    {"key": "kafka", "steps": [
        (33, "new", dict(title="Kafka consumer lag on events pipeline", severity="SEV3", services=["events"])),
        (31, "move", "investigating"), (31, "assign", "marcus"),
        (30, "link", ("replica", "related", "Same write burst on the orders cluster")),
    ]},
    {"key": "search", "steps": [
        (22, "new", dict(title="Elevated p95 latency on search", severity="SEV3", services=["search"])),
        (18, "move", "open"), (18, "assign", "priya"),
    ]},
    {"key": "sso", "steps": [
        (190, "new", dict(title="Login failures for SSO users", severity="SEV2", services=["auth"])),
        (186, "move", "open"), (185, "assign", "marcus"), (180, "move", "investigating"),
        (170, "comment", "IdP signing certificate rotated without updating our metadata."),
        (150, "move", "resolved"),
        (120, "postmortem", dict(summary="SSO logins failed for 40 minutes after the IdP rotated its signing key.",
                                 root_cause="Our SAML metadata was pinned to the old certificate.")),
        (119, "action", ("Fetch IdP metadata automatically every hour", "priya", 14)),
        (118, "action", ("Alert when SAML assertions fail validation", "marcus", 7)),
    ]},
    {"key": "inventory", "steps": [
        (95, "new", dict(title="Inventory sync failures", severity="SEV3", services=["inventory"])),
        (90, "move", "open"), (90, "assign", "priya"),
    ]},
    {"key": "inventory-dup", "steps": [
        (92, "new", dict(title="Inventory sync job failing", severity="SEV3", services=["inventory"])),
        (89, "merge", "inventory"),
    ]},
    {"key": "cdn", "steps": [
        (300, "new", dict(title="CDN 502s in eu-west", severity="SEV2", services=["cdn", "web"])),
        (296, "move", "open"), (296, "assign", "marcus"), (280, "move", "resolved"),
        (60, "move", "open"), (59, "comment", "502s are back after the CDN config push; reopening."),
    ]},
    {"key": "disk", "steps": [
        (600, "new", dict(title="Disk 90% full on log-collector-2", severity="SEV4", services=["logging"])),
        (590, "move", "open"), (580, "move", "resolved"),
    ]},
    {"key": "email", "steps": [
        (1500, "new", dict(title="Notification emails delayed", severity="SEV4", services=["notifications"])),
        (1490, "move", "open"), (1480, "assign", "priya"), (1400, "move", "resolved"), (1300, "move", "closed"),
    ]},
    {"key": "tls", "steps": [
        (4400, "new", dict(title="TLS certificate expiring on api.demo.local", severity="SEV3", services=["edge"])),
        (4395, "move", "open"), (4390, "assign", "marcus"), (4300, "move", "resolved"),
        (4200, "postmortem", dict(summary="The API certificate was renewed 2 days before expiry by hand.",
                                  root_cause="Renewal automation silently failed after a DNS change.",
                                  status="published")),
        (4199, "action", ("Monitor certificate expiry in synthetic checks", "dana", -2)),
        (4100, "move", "closed"),
    ]},
]


async def _team(tx: Transaction) -> dict[str, uuid.UUID]:
    """The demo team members (created once, no password: they exist to be assigned)."""
    ids = {}
    for key, (email, name, roles) in TEAM.items():
        user = await user_by_email(tx, email) or await create_user(tx, email=email, password=None, display_name=name)
        if await tx.session.get(Membership, (user.id, tx.tenant_id)) is None:
            tx.session.add(Membership(tenant_id=tx.tenant_id, user_id=user.id, roles=roles))
        ids[key] = user.id
    await tx.session.flush()
    return ids


async def _step(tx: Transaction, story: dict, made: dict, team: dict, action: str, arg: Any) -> None:
    actor, incident = "admin@demo.local", made.get(story["key"])
    if action == "new":
        made[story["key"]] = await service.create_incident(tx, new=service.NewIncident(**arg, source=DEMO_SOURCE),
                                                           actor=actor)
    elif action == "move":
        await service.transition_incident(tx, incident_id=incident.id, to=arg, actor=actor)
    elif action == "assign":
        await service.assign_incident(tx, incident_id=incident.id, assignee_id=team[arg], actor=actor)
    elif action == "responder":
        await service.set_responder(tx, incident_id=incident.id, user_id=team[arg[0]], role=arg[1], actor=actor)
    elif action == "comment":
        await service.comment(tx, incident_id=incident.id, body=arg, actor=actor)
    elif action == "link":
        await links.link_incidents(tx, from_id=made[arg[0]].id, to_id=incident.id, kind=arg[1], reason=arg[2],
                                   actor=actor)
    elif action == "merge":
        await links.merge_incidents(tx, duplicate_id=incident.id, into_id=made[arg].id, actor=actor)
    elif action == "postmortem":
        await postmortems.edit_postmortem(tx, incident_id=incident.id, edit=postmortems.PostmortemEdit(**arg),
                                          actor=actor)
    elif action == "action":
        title, owner, due_in_days = arg
        due = (clock.now() + timedelta(days=due_in_days)).date()
        await postmortems.add_action_item(tx, incident_id=incident.id, title=title, owner_id=team[owner],
                                          due_date=due, actor=actor)


async def seed_demo_incidents(db: Database, *, tenant_id: uuid.UUID) -> int:
    """Replay the demo stories into an incident-free tenant; return how many incidents were made."""
    async with db.transaction(tenant_id=tenant_id) as tx:
        if await tx.session.scalar(select(func.count()).select_from(Incident)):
            return 0
        team = await _team(tx)
        steps = [(minutes, order, story, action, arg) for order, story in enumerate(STORIES)
                 for minutes, action, arg in story["steps"]]
        made: dict[str, Incident] = {}
        start = clock.now()
        for minutes, _, story, action, arg in sorted(steps, key=lambda step: (-step[0], step[1])):
            with clock.clock_at(start - timedelta(minutes=minutes)):
                await _step(tx, story, made, team, action, arg)
        return len(made)
