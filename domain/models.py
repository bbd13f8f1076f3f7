"""Every model, imported once so ``Base.metadata`` is complete (alembic and tests use it)."""

from domain.access.models import Role
from domain.alerting.models import (
    Alert,
    AlertEvent,
    AlertRule,
    AlertRuleVersion,
    NotificationTarget,
    Silence,
    WebhookDelivery,
)
from domain.audit.models import AuditEvent
from domain.auth.models import ApiKey, RefreshToken
from domain.base import Base
from domain.cmdb.models import CiChange, CiRelationship, ConfigurationItem, TenantCiClass
from domain.incidents.models import (
    ActionItem,
    Incident,
    IncidentLink,
    IncidentResponder,
    IncidentStream,
    Postmortem,
    TimelineEntry,
)
from domain.telemetry.models import (
    Event,
    EventIncident,
    IngestBatch,
    LogRecord,
    MetricPoint,
    Span,
    TelemetryResource,
)
from domain.tenants.models import Tenant
from domain.users.models import Invitation, Membership, User

__all__ = [
    "ActionItem", "ApiKey", "AuditEvent", "Base", "Incident", "IncidentLink", "IncidentResponder", "IncidentStream",
    "Invitation", "Membership", "Postmortem", "RefreshToken", "Role", "Tenant", "TimelineEntry", "User",
    "Event", "EventIncident", "IngestBatch", "LogRecord", "MetricPoint", "Span", "TelemetryResource",
    "Alert", "AlertEvent", "AlertRule", "AlertRuleVersion", "NotificationTarget", "Silence", "WebhookDelivery",
    "CiChange", "CiRelationship", "ConfigurationItem", "TenantCiClass",
]
