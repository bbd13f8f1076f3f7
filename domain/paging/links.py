"""One-click links in a page: acknowledge or resolve one incident, without signing in, until they expire.

A link's token is sealed (encrypted and authenticated, domain.ports.Runtime.sealer) and names the
tenant, the incident, the person paged, the action and an expiry: a changed token does not open,
an expired one is refused, and one incident's link does not act on another.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from domain import clock
from domain.errors import Unauthenticated
from domain.incidents.lifecycle import ACTIVE
from domain.incidents.service import locked_incident, transition_incident
from domain.members.models import User

if TYPE_CHECKING:
    from domain.alerting.delivery import Sealer
    from domain.incidents.models import Incident
    from domain.uow import Transaction

ACTIONS = {"acknowledge": "open", "resolve": "resolved"}


@dataclass(frozen=True)
class LinkClaim:
    tenant_id: uuid.UUID
    incident_id: uuid.UUID
    user_id: uuid.UUID
    action: str


def make_token(sealer: Sealer, claim: LinkClaim, *, expires_at: datetime) -> str:
    """The sealed token of a one-click link."""
    return sealer.seal(json.dumps({"t": str(claim.tenant_id), "i": str(claim.incident_id), "u": str(claim.user_id),
                                   "a": claim.action, "e": int(expires_at.timestamp())})).decode()


def read_token(sealer: Sealer, token: str, *, incident_id: uuid.UUID, action: str) -> LinkClaim:
    """The claim of a link for ``incident_id`` and ``action``; Unauthenticated when forged, expired or misused."""
    try:
        raw = json.loads(sealer.open(token.encode()))
        claim = LinkClaim(uuid.UUID(raw["t"]), uuid.UUID(raw["i"]), uuid.UUID(raw["u"]), raw["a"])
        expires = int(raw["e"])
    except Exception:  # noqa: BLE001 (any token that does not open and parse is not ours)
        raise Unauthenticated("This link is not valid.", code="LINK_INVALID") from None
    if claim.incident_id != incident_id or claim.action != action:
        raise Unauthenticated("This link is for another incident.", code="LINK_MISMATCH")
    if expires < clock.now().timestamp():
        raise Unauthenticated("This link has expired; open the incident in AtlasAI instead.", code="LINK_EXPIRED")
    return claim


async def act_by_link(tx: Transaction, claim: LinkClaim) -> tuple[Incident, bool]:
    """Acknowledge or resolve the incident as the person paged; (incident, whether this changed it)."""
    incident = await locked_incident(tx, claim.incident_id, closed_ok=True)
    target = ACTIONS[claim.action]
    if incident.status not in ACTIVE or (target == "open" and incident.status != "triggered"):
        return incident, False  # already done: the second click changes nothing
    email = await tx.session.scalar(select(User.email).where(User.id == claim.user_id)) or "someone paged"
    incident = await transition_incident(tx, incident_id=incident.id, to=target, actor=email,
                                         note=f"{claim.action}d from the page link")
    return incident, True
