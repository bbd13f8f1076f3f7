"""Every model, imported once so ``Base.metadata`` is complete (alembic and tests use it)."""

from domain.alerting.models import (
    Alert,
    AlertEvent,
    AlertingSettings,
    AlertRule,
    AlertRuleVersion,
    NotificationTarget,
    Silence,
    WebhookDelivery,
)
from domain.apikeys.models import ApiKey
from domain.audit.models import AuditEvent
from domain.auth.models import RefreshToken
from domain.base import Base
from domain.cmdb.models import CiChange, CiRelationship, CmdbGraphVersion, ConfigurationItem, TenantCiClass
from domain.incidents.models import (
    ActionItem,
    Incident,
    IncidentLink,
    IncidentResponder,
    IncidentStream,
    Postmortem,
    TimelineEntry,
)
from domain.integrations.models import Heartbeat, Integration, IntegrationPayload
from domain.members.models import Invitation, Membership, User
from domain.outbox.models import OutboxJob
from domain.roles.models import Role
from domain.telemetry.models import (
    Event,
    EventIncident,
    EventKey,
    IngestBatch,
    LogRecord,
    MetricPoint,
    Span,
    TelemetryResource,
)
from domain.tenants.models import Tenant

__all__ = [
    "ActionItem",
    "Alert",
    "AlertEvent",
    "AlertRule",
    "AlertRuleVersion",
    "AlertingSettings",
    "ApiKey",
    "AuditEvent",
    "Base",
    "CiChange",
    "CiRelationship",
    "CmdbGraphVersion",
    "ConfigurationItem",
    "Event",
    "EventIncident",
    "EventKey",
    "Heartbeat",
    "Incident",
    "IncidentLink",
    "IncidentResponder",
    "IncidentStream",
    "IngestBatch",
    "Integration",
    "IntegrationPayload",
    "Invitation",
    "LogRecord",
    "Membership",
    "MetricPoint",
    "NotificationTarget",
    "OutboxJob",
    "Postmortem",
    "RefreshToken",
    "Role",
    "Silence",
    "Span",
    "TelemetryResource",
    "Tenant",
    "TenantCiClass",
    "TimelineEntry",
    "User",
    "WebhookDelivery",
]
