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
from domain.billing.models import BillingAccount, BillingEvent
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
from domain.members.models import Invitation, Membership, User
from domain.outbox.models import OutboxJob
from domain.policies.models import PolicyVersion, TenantPolicy
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
    "BillingAccount",
    "BillingEvent",
    "CiChange",
    "CiRelationship",
    "CmdbGraphVersion",
    "ConfigurationItem",
    "Event",
    "EventIncident",
    "EventKey",
    "Incident",
    "IncidentLink",
    "IncidentResponder",
    "IncidentStream",
    "IngestBatch",
    "Invitation",
    "LogRecord",
    "Membership",
    "MetricPoint",
    "NotificationTarget",
    "OutboxJob",
    "PolicyVersion",
    "Postmortem",
    "RefreshToken",
    "Role",
    "Silence",
    "Span",
    "TelemetryResource",
    "Tenant",
    "TenantCiClass",
    "TenantPolicy",
    "TimelineEntry",
    "User",
    "WebhookDelivery",
]
