from __future__ import annotations

from datetime import date, datetime

import strawberry

from domain.errors import ValidationFailed
from domain.incidents.postmortems import PostmortemEdit
from domain.incidents.queries import IncidentFilter
from domain.incidents.service import NewIncident
from resolvers.ids import parse_id
from resolvers.incidents.types import IncidentStatus, LinkKind, Priority, ResponderRole, Severity


@strawberry.input(description="Conditions on the incident list; omitted fields match everything.")
class IncidentFilterInput:
    statuses: list[IncidentStatus] | None = None
    severities: list[Severity] | None = None
    priorities: list[Priority] | None = None
    service: str | None = None
    assignee_id: strawberry.ID | None = None
    unassigned: bool = False
    created_after: datetime | None = None
    created_before: datetime | None = None
    text: str | None = strawberry.field(
        default=None, description="Matches title or description, or a reference such as INC-42.")
    top_level_only: bool = strawberry.field(
        default=False, description="Only incidents without a parent (each outage's root and unrelated ones).")

    def to_domain(self) -> IncidentFilter:
        return IncidentFilter(
            statuses=[s.value for s in self.statuses or ()], severities=[s.value for s in self.severities or ()],
            priorities=[p.value for p in self.priorities or ()], service=self.service,
            assignee_id=parse_id(self.assignee_id, field="assigneeId") if self.assignee_id else None,
            unassigned=self.unassigned, created_after=self.created_after, created_before=self.created_before,
            text=self.text, top_level_only=self.top_level_only,
        )


@strawberry.input
class CreateIncidentInput:
    title: str
    severity: Severity
    description: str = ""
    priority: Priority | None = strawberry.field(default=None, description="Defaults from the severity.")
    services: list[str] = strawberry.field(default_factory=list)
    labels: strawberry.scalars.JSON | None = None
    assignee_id: strawberry.ID | None = None
    fingerprint: str | None = None

    def to_domain(self) -> NewIncident:
        labels = self.labels or {}
        if not isinstance(labels, dict):
            raise ValidationFailed("labels must be an object of strings.", field="labels")
        return NewIncident(
            title=self.title, severity=self.severity.value, description=self.description,
            priority=self.priority.value if self.priority else None, services=self.services, labels=labels,
            fingerprint=self.fingerprint, source="manual",
            assignee_id=parse_id(self.assignee_id, field="assigneeId") if self.assignee_id else None,
        )


@strawberry.input
class TransitionIncidentInput:
    id: strawberry.ID
    to: IncidentStatus
    expected_version: int | None = None
    note: str = ""


@strawberry.input
class AssignIncidentInput:
    id: strawberry.ID
    assignee_id: strawberry.ID | None = strawberry.field(description="Null unassigns.")
    expected_version: int | None = None


@strawberry.input
class TriageIncidentInput:
    id: strawberry.ID
    severity: Severity | None = None
    priority: Priority | None = None
    expected_version: int | None = None


@strawberry.input
class SetResponderInput:
    incident_id: strawberry.ID
    user_id: strawberry.ID
    role: ResponderRole | None = strawberry.field(description="Null removes the responder.")


@strawberry.input
class LinkIncidentsInput:
    from_id: strawberry.ID = strawberry.field(description="For a parent link: the parent.")
    to_id: strawberry.ID = strawberry.field(description="For a parent link: the child.")
    kind: LinkKind
    reason: str = ""


@strawberry.input
class PostmortemInput:
    incident_id: strawberry.ID
    summary: str | None = None
    impact: str | None = None
    root_cause: str | None = None
    lessons: str | None = None
    status: str | None = strawberry.field(default=None, description="draft or published.")

    def to_domain(self) -> PostmortemEdit:
        return PostmortemEdit(summary=self.summary, impact=self.impact, root_cause=self.root_cause,
                              lessons=self.lessons, status=self.status)


@strawberry.input
class ActionItemInput:
    incident_id: strawberry.ID
    title: str
    owner_id: strawberry.ID | None = None
    due_date: date | None = None


@strawberry.input
class UpdateActionItemInput:
    id: strawberry.ID
    status: str | None = None
    title: str | None = None
    owner_id: strawberry.ID | None = None
    due_date: date | None = None


@strawberry.input(description="Which changes to stream; omitted fields match everything.")
class IncidentChangeFilter:
    incident_id: strawberry.ID | None = None
    severities: list[Severity] | None = None
    statuses: list[IncidentStatus] | None = None
    service: str | None = None

    def to_domain(self) -> IncidentFilter:
        return IncidentFilter(
            incident_id=parse_id(self.incident_id, field="incidentId") if self.incident_id else None,
            severities=[s.value for s in self.severities or ()], statuses=[s.value for s in self.statuses or ()],
            service=self.service)
