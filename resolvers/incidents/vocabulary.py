"""The incident vocabulary as GraphQL enums, made from the one definition in domain/incidents/models.py."""

from __future__ import annotations

from enum import Enum

import strawberry

from domain.incidents.models import PRIORITIES, SEVERITIES, STATUSES

IncidentStatus = strawberry.enum(Enum("IncidentStatus", {s.upper(): s for s in STATUSES}),
                                 description="Where an incident is in its lifecycle.")
Severity = strawberry.enum(Enum("Severity", {s: s for s in SEVERITIES}),
                           description="How bad it is: SEV1 is the worst.")
Priority = strawberry.enum(Enum("Priority", {p: p for p in PRIORITIES}),
                           description="How urgent it is: P1 is the most urgent.")
