"""Every model, imported once so ``Base.metadata`` is complete (alembic and tests use it)."""

from domain.ai.models import AiCall, AiModel, AiModelChange, AiPolicy, CreditAccount, CreditEntry
from domain.ai.pipeline.models import AiPipelineStep
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
from domain.automation.models import Agent, Approval, Run, Runbook, RunEvent, RunStep, Workflow
from domain.base import Base
from domain.billing.models import BillingAccount, BillingEvent
from domain.catalog.models import CatalogItem, RequestTask, ServiceRequest
from domain.changes.models import ChangeIncidentLink, ChangePolicy, ChangeRequest, ChangeVote
from domain.cmdb.models import CiChange, CiRelationship, CmdbGraphVersion, ConfigurationItem, TenantCiClass
from domain.copilot.models import CopilotConversation, CopilotMessage
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
from domain.knowledge.models import KbArticle, KbArticleVersion, KnowledgeChunk
from domain.members.models import Invitation, Membership, User
from domain.oncall.models import ImportRecord, OnCallOverride, OnCallSchedule, OnCallUserFeed
from domain.outbox.models import OutboxJob
from domain.paging.models import EscalationPolicy, IncidentEscalation, NotificationRule, Page, ServicePolicy
from domain.planes.models import PlaneDelivery, TenantPlane
from domain.policies.models import PolicyVersion, TenantPolicy
from domain.problems.models import Problem, ProblemIncident
from domain.roles.models import Role
from domain.sla.models import SlaPolicy, SlaTimer
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
    "Agent",
    "AiCall",
    "AiModel",
    "AiModelChange",
    "AiPipelineStep",
    "AiPolicy",
    "Alert",
    "AlertEvent",
    "AlertRule",
    "AlertRuleVersion",
    "AlertingSettings",
    "ApiKey",
    "Approval",
    "AuditEvent",
    "Base",
    "BillingAccount",
    "BillingEvent",
    "CatalogItem",
    "ChangeIncidentLink",
    "ChangePolicy",
    "ChangeRequest",
    "ChangeVote",
    "CiChange",
    "CiRelationship",
    "CmdbGraphVersion",
    "ConfigurationItem",
    "CopilotConversation",
    "CopilotMessage",
    "CreditAccount",
    "CreditEntry",
    "EscalationPolicy",
    "Event",
    "EventIncident",
    "EventKey",
    "Heartbeat",
    "ImportRecord",
    "Incident",
    "IncidentEscalation",
    "IncidentLink",
    "IncidentResponder",
    "IncidentStream",
    "IngestBatch",
    "Integration",
    "IntegrationPayload",
    "Invitation",
    "KbArticle",
    "KbArticleVersion",
    "KnowledgeChunk",
    "LogRecord",
    "Membership",
    "MetricPoint",
    "NotificationRule",
    "NotificationTarget",
    "OnCallOverride",
    "OnCallSchedule",
    "OnCallUserFeed",
    "OutboxJob",
    "Page",
    "PlaneDelivery",
    "PolicyVersion",
    "Postmortem",
    "Problem",
    "ProblemIncident",
    "RefreshToken",
    "RequestTask",
    "Role",
    "Run",
    "RunEvent",
    "RunStep",
    "Runbook",
    "ServicePolicy",
    "ServiceRequest",
    "Silence",
    "SlaPolicy",
    "SlaTimer",
    "Span",
    "TelemetryResource",
    "Tenant",
    "TenantCiClass",
    "TenantPlane",
    "TenantPolicy",
    "TimelineEntry",
    "User",
    "WebhookDelivery",
    "Workflow",
]
