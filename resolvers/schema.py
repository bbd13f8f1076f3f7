"""The one GraphQL schema: control-plane and tenant-plane types side by side.

Every root field carries guards (see resolvers/guards.py); the cross-tenant matrix test fails
for a root field without one.
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.printer import print_schema

from resolvers.ai import mutations as ai_mutations
from resolvers.ai import pipeline as ai_pipeline
from resolvers.ai import queries as ai
from resolvers.ai.types import AiCall, AiModel, AiModelChange, AiPolicy, AiUsage, CreditEntry
from resolvers.alerting import mutations as alerting_mutations
from resolvers.alerting import queries as alerting
from resolvers.alerting.types import (
    Alert,
    AlertingSettings,
    AlertRule,
    DryRun,
    NotificationTarget,
    Silence,
    WebhookDelivery,
)
from resolvers.analytics import mutations as analytics_mutations
from resolvers.analytics.queries import resolve_ops_analytics
from resolvers.analytics.types import OpsAnalytics
from resolvers.apikeys.mutations import CreateApiKeyPayload, RevokeApiKeyPayload, create_api_key, revoke_api_key
from resolvers.apikeys.queries import resolve_api_keys
from resolvers.apikeys.types import ApiKey
from resolvers.audit.queries import resolve_audit_events, resolve_audit_export
from resolvers.audit.types import AuditEvent, AuditExport
from resolvers.automation.root import AutomationMutation, AutomationQuery, AutomationSubscription
from resolvers.billing import mutations as billing_mutations
from resolvers.billing.queries import Plan, resolve_billing, resolve_invoices, resolve_plans
from resolvers.billing.types import Billing
from resolvers.billing.types import Invoice as BillingInvoice
from resolvers.catalog import mutations as catalog_mutations
from resolvers.catalog import queries as catalog_queries
from resolvers.catalog.types import CatalogItem, ServiceRequest
from resolvers.changes import mutations as change_mutations
from resolvers.changes import queries as change_queries
from resolvers.changes.subscriptions import change_changed
from resolvers.changes.types import Change, ChangeEvent, ChangePolicy
from resolvers.cmdb import mutations as cmdb_mutations
from resolvers.cmdb import queries as cmdb
from resolvers.cmdb.types import (
    CiChange,
    CiClass,
    CmdbDocument,
    ConfigurationItem,
    DeletedConfigurationItem,
    ImpactAnalysis,
    RelationshipType,
    Topology,
)
from resolvers.copilot import mutations as copilot_mutations
from resolvers.copilot.queries import resolve_copilot_conversations
from resolvers.copilot.subscriptions import copilot_answer
from resolvers.copilot.types import CopilotAnswerEvent, CopilotConversation
from resolvers.errors import DeletePayload
from resolvers.extensions import hardening_extensions, without_suggestions
from resolvers.fast_fields import direct_attribute_resolvers
from resolvers.guards import guard, platform_guard, public
from resolvers.health.queries import resolve_health
from resolvers.health.types import Health
from resolvers.incidents import mutations as incident_mutations
from resolvers.incidents.queries import resolve_incident, resolve_incidents
from resolvers.incidents.subscriptions import incident_changed
from resolvers.incidents.types import Incident, IncidentChange
from resolvers.integrations import mutations as integration_mutations
from resolvers.integrations import queries as integration_queries
from resolvers.integrations.types import Heartbeat, Integration
from resolvers.knowledge import mutations as knowledge_mutations
from resolvers.knowledge import queries as knowledge
from resolvers.knowledge.types import KbArticle, KbArticleDetail, SearchHit
from resolvers.members import mutations as member_mutations
from resolvers.members.queries import resolve_invitation_preview, resolve_invitations, resolve_members
from resolvers.members.types import Invitation, InvitationPreview, Member
from resolvers.oncall import mutations as oncall_mutations
from resolvers.oncall import queries as oncall
from resolvers.oncall.subscriptions import you_are_paged
from resolvers.oncall.types import (
    EscalationPolicy,
    IncidentEscalation,
    NotificationRule,
    OnCallPerson,
    OnCallSchedule,
    OnCallShift,
    Paged,
)
from resolvers.pagination import Connection
from resolvers.planes import mutations as plane_mutations
from resolvers.planes import queries as plane_queries
from resolvers.planes.types import PlaneDelivery, TenantPlane
from resolvers.policies import mutations as policy_mutations
from resolvers.policies.queries import resolve_policies, resolve_policy_versions
from resolvers.policies.types import PolicyVersion, TenantPolicies
from resolvers.problems import resolvers as problem_resolvers
from resolvers.problems.types import Problem
from resolvers.roles.mutations import DeleteRolePayload, SaveRolePayload, create_role, delete_role, update_role
from resolvers.roles.queries import resolve_permissions, resolve_roles
from resolvers.roles.types import Permission, Role
from resolvers.scalars import DATETIME
from resolvers.shared_subscriptions import SharedSubscriptions, share_key
from resolvers.sla import mutations as sla_mutations
from resolvers.sla import queries as sla_queries
from resolvers.sla.types import SlaBreach, SlaCompliance, SlaPolicy, SlaTimer
from resolvers.telemetry import queries as telemetry
from resolvers.telemetry.types import Event, LogRecord, MetricSeries, Trace, TraceSummary
from resolvers.tenants import mutations as tenant_mutations
from resolvers.tenants.queries import resolve_tenant, resolve_tenants
from resolvers.tenants.types import Tenant
from resolvers.viewer.queries import resolve_viewer
from resolvers.viewer.root import PersonalMutation, PersonalQuery
from resolvers.viewer.types import Viewer


def incident_read() -> list:
    return guard("incident.read", feature="incidents")


def alert_read() -> list:
    return guard("alert.read", feature="alerting")


def alert_manage() -> list:
    return guard("alert.manage", feature="alerting")


def copilot_use() -> list:
    return guard("ai.use", feature="ai.copilot")


def telemetry_read() -> list:
    return guard("telemetry.read", feature="ingest")


def incident_write() -> list:
    return guard("incident.write", feature="incidents")


def cmdb_read() -> list:
    return guard("cmdb.read", feature="cmdb")


def cmdb_write() -> list:
    return guard("cmdb.write", feature="cmdb")


def knowledge_read() -> list:
    return guard("knowledge.read", feature="knowledge")


def knowledge_write() -> list:
    return guard("knowledge.write", feature="knowledge")
# ---- ITSM (changes, SLA): guards
def change_read() -> list:
    return guard("change.read", feature="changes")


def change_write() -> list:
    return guard("change.write", feature="changes")


def change_approve() -> list:
    return guard("change.approve", feature="changes")


def sla_read() -> list:
    return guard("catalog.read", feature="sla")


def sla_manage() -> list:
    return guard("catalog.manage", feature="sla")


def catalog_read() -> list:
    return guard("catalog.read", feature="catalog")


def catalog_manage() -> list:
    return guard("catalog.manage", feature="catalog")


@strawberry.type
class Query(AutomationQuery, PersonalQuery):
    health: Health = strawberry.field(resolver=resolve_health, extensions=public(),
                                      description="Service health.")
    viewer: Viewer | None = strawberry.field(resolver=resolve_viewer, extensions=public(),
                                             description="The authenticated caller, or null.")
    plans: list[Plan] = strawberry.field(resolver=resolve_plans, extensions=public(),
                                         description="The plan catalog.")
    invitation_preview: InvitationPreview | None = strawberry.field(
        resolver=resolve_invitation_preview, extensions=public(),
        description="An open invitation, for the holder of its token.")
    tenant: Tenant = strawberry.field(resolver=resolve_tenant, extensions=guard(),
                                      description="The tenant the caller is signed in to.")
    tenants: Connection[Tenant] = strawberry.field(resolver=resolve_tenants, extensions=platform_guard(),
                                                   description="Every tenant (platform operators).")
    members: Connection[Member] = strawberry.field(resolver=resolve_members, extensions=guard("member.read"))
    invitations: Connection[Invitation] = strawberry.field(resolver=resolve_invitations,
                                                           extensions=guard("member.manage"))
    roles: list[Role] = strawberry.field(resolver=resolve_roles, extensions=guard("member.read"))
    permissions: list[Permission] = strawberry.field(resolver=resolve_permissions, extensions=guard())
    api_keys: Connection[ApiKey] = strawberry.field(resolver=resolve_api_keys,
                                                    extensions=guard("apikey.manage", feature="api_keys"))
    logs: Connection[LogRecord] = strawberry.field(resolver=telemetry.resolve_logs, extensions=telemetry_read())
    metric_names: list[str] = strawberry.field(resolver=telemetry.resolve_metric_names, extensions=telemetry_read())
    metric_label_values: list[str] = strawberry.field(resolver=telemetry.resolve_metric_label_values,
                                                      extensions=telemetry_read())
    metric_series: list[MetricSeries] = strawberry.field(resolver=telemetry.resolve_metric_series,
                                                         extensions=telemetry_read())
    traces: Connection[TraceSummary] = strawberry.field(resolver=telemetry.resolve_traces, extensions=telemetry_read())
    trace: Trace | None = strawberry.field(resolver=telemetry.resolve_trace, extensions=telemetry_read())
    events: Connection[Event] = strawberry.field(resolver=telemetry.resolve_events, extensions=telemetry_read())
    alert_rules: list[AlertRule] = strawberry.field(resolver=alerting.resolve_alert_rules, extensions=alert_read())
    alert_rule: AlertRule | None = strawberry.field(resolver=alerting.resolve_alert_rule, extensions=alert_read())
    alerts: list[Alert] = strawberry.field(resolver=alerting.resolve_alerts, extensions=alert_read())
    silences: list[Silence] = strawberry.field(resolver=alerting.resolve_silences, extensions=alert_read())
    notification_targets: list[NotificationTarget] = strawberry.field(
        resolver=alerting.resolve_notification_targets, extensions=alert_read())
    webhook_deliveries: list[WebhookDelivery] = strawberry.field(
        resolver=alerting.resolve_webhook_deliveries, extensions=alert_read())
    alert_rule_dry_run: DryRun = strawberry.field(resolver=alerting.resolve_dry_run, extensions=alert_manage(),
                                                  description="Evaluate a draft rule over the last hours.")
    alerting_settings: AlertingSettings = strawberry.field(
        resolver=alerting.resolve_alerting_settings, extensions=alert_read(),
        description="How alerts group into incidents, when a recurrence reopens one, how far correlation looks.")
    incident: Incident | None = strawberry.field(resolver=resolve_incident, extensions=incident_read())
    incidents: Connection[Incident] = strawberry.field(resolver=resolve_incidents, extensions=incident_read())
    ci_classes: list[CiClass] = strawberry.field(resolver=cmdb.resolve_ci_classes, extensions=cmdb_read())
    relationship_types: list[RelationshipType] = strawberry.field(resolver=cmdb.resolve_relationship_types,
                                                                  extensions=cmdb_read())
    configuration_items: Connection[ConfigurationItem] = strawberry.field(
        resolver=cmdb.resolve_configuration_items, extensions=cmdb_read())
    configuration_item: ConfigurationItem | None = strawberry.field(resolver=cmdb.resolve_configuration_item,
                                                                    extensions=cmdb_read())
    ci_history: Connection[CiChange] = strawberry.field(resolver=cmdb.resolve_ci_history, extensions=cmdb_read())
    deleted_configuration_items: Connection[DeletedConfigurationItem] = strawberry.field(
        resolver=cmdb.resolve_deleted_configuration_items, extensions=cmdb_read())
    topology: Topology = strawberry.field(resolver=cmdb.resolve_topology, extensions=cmdb_read())
    impact_analysis: ImpactAnalysis = strawberry.field(resolver=cmdb.resolve_impact_analysis, extensions=cmdb_read())
    cmdb_export: CmdbDocument = strawberry.field(resolver=cmdb.resolve_cmdb_export, extensions=cmdb_read())
    on_call_schedules: list[OnCallSchedule] = strawberry.field(resolver=oncall.resolve_schedules,
                                                               extensions=incident_read())
    on_call_shifts: list[OnCallShift] = strawberry.field(resolver=oncall.resolve_schedule_shifts,
                                                         extensions=incident_read())
    who_is_on_call: list[OnCallPerson] = strawberry.field(resolver=oncall.resolve_who_is_on_call,
                                                          extensions=incident_read())
    my_on_call_shifts: list[OnCallShift] = strawberry.field(resolver=oncall.resolve_my_shifts,
                                                            extensions=incident_read())
    escalation_policies: list[EscalationPolicy] = strawberry.field(resolver=oncall.resolve_policies,
                                                                   extensions=incident_read())
    my_notification_rules: list[NotificationRule] = strawberry.field(resolver=oncall.resolve_my_rules,
                                                                     extensions=incident_read())
    incident_escalation: IncidentEscalation | None = strawberry.field(resolver=oncall.resolve_incident_escalation,
                                                                      extensions=incident_read())
    search: list[SearchHit] = strawberry.field(resolver=knowledge.resolve_search, extensions=knowledge_read(),
                                               description="Hybrid search of the tenant's knowledge.")
    kb_articles: Connection[KbArticle] = strawberry.field(resolver=knowledge.resolve_kb_articles,
                                                          extensions=knowledge_read())
    kb_article: KbArticleDetail | None = strawberry.field(resolver=knowledge.resolve_kb_article,
                                                          extensions=knowledge_read())
    ai_models: list[AiModel] = strawberry.field(resolver=ai.resolve_ai_models, extensions=guard("ai.use", feature="ai"),
                                                description="The platform's model registry.")
    ai_policy: AiPolicy = strawberry.field(resolver=ai.resolve_ai_policy, extensions=guard("ai.admin", feature="ai"))
    ai_usage: AiUsage = strawberry.field(resolver=ai.resolve_ai_usage, extensions=guard("ai.use", feature="ai"),
                                         description="The tenant's AI credit balance.")
    ai_ledger: Connection[CreditEntry] = strawberry.field(resolver=ai.resolve_ai_ledger,
                                                          extensions=guard("ai.admin", feature="ai"))
    ai_calls: Connection[AiCall] = strawberry.field(resolver=ai.resolve_ai_calls,
                                                    extensions=guard("ai.admin", feature="ai"),
                                                    description="The audit of the tenant's model calls.")
    platform_ai_models: list[AiModel] = strawberry.field(resolver=ai.resolve_platform_ai_models,
                                                         extensions=platform_guard())
    ai_model_changes: list[AiModelChange] = strawberry.field(resolver=ai.resolve_ai_model_changes,
                                                             extensions=platform_guard())
    # ---- copilot and analytics (issue 13)
    copilot_conversations: list[CopilotConversation] = strawberry.field(
        resolver=resolve_copilot_conversations, extensions=copilot_use(),
        description="The caller's own copilot conversations (private to them), newest first.")
    ops_analytics: OpsAnalytics = strawberry.field(
        resolver=resolve_ops_analytics, extensions=incident_read(),
        description="MTTA, MTTR, incident volume, SLA compliance, change success, alert noise and AI usage.")
    incident_ai_pipeline: list[ai_pipeline.AiPipelineStep] = strawberry.field(
        resolver=ai_pipeline.resolve_incident_ai_pipeline, extensions=guard("incident.read", feature="ai.rca"),
        description="The incident's AI pipeline: RCA, runbook draft, remediation plan, verification.")
    # ---- ITSM: changes
    changes: Connection[Change] = strawberry.field(resolver=change_queries.resolve_changes, extensions=change_read())
    change: Change | None = strawberry.field(resolver=change_queries.resolve_change, extensions=change_read())
    change_policy: ChangePolicy = strawberry.field(resolver=change_queries.resolve_change_policy,
                                                   extensions=change_read())
    # ---- ITSM: SLA
    sla_policies: list[SlaPolicy] = strawberry.field(resolver=sla_queries.resolve_sla_policies, extensions=sla_read())
    sla_timers: list[SlaTimer] = strawberry.field(resolver=sla_queries.resolve_sla_timers, extensions=sla_read())
    sla_breaches: list[SlaBreach] = strawberry.field(resolver=sla_queries.resolve_sla_breaches, extensions=sla_read())
    sla_compliance: list[SlaCompliance] = strawberry.field(resolver=sla_queries.resolve_sla_compliance,
                                                           extensions=sla_read())
    # ---- ITSM: catalog and problems
    catalog_items: list[CatalogItem] = strawberry.field(resolver=catalog_queries.resolve_catalog_items,
                                                        extensions=catalog_read())
    service_requests: Connection[ServiceRequest] = strawberry.field(
        resolver=catalog_queries.resolve_service_requests, extensions=catalog_read())
    service_request: ServiceRequest | None = strawberry.field(resolver=catalog_queries.resolve_service_request,
                                                              extensions=catalog_read())
    problems: Connection[Problem] = strawberry.field(resolver=problem_resolvers.resolve_problems,
                                                     extensions=incident_read())
    problem: Problem | None = strawberry.field(resolver=problem_resolvers.resolve_problem, extensions=incident_read())
    known_errors: list[Problem] = strawberry.field(resolver=problem_resolvers.resolve_known_errors,
                                                   extensions=incident_read())
    billing: Billing = strawberry.field(resolver=resolve_billing, extensions=guard("billing.manage"),
                                        description="Plan in force, subscription, usage against limits.")
    invoices: list[BillingInvoice] = strawberry.field(resolver=resolve_invoices, extensions=guard("billing.manage"),
                                                      description="The billing provider's invoices.")
    audit_events: Connection[AuditEvent] = strawberry.field(resolver=resolve_audit_events,
                                                            extensions=guard("audit.read"))
    audit_export: AuditExport = strawberry.field(resolver=resolve_audit_export,
                                                 extensions=guard("audit.read", feature="audit_export"),
                                                 description="The audit log as CSV or JSON.")
    policies: TenantPolicies = strawberry.field(resolver=resolve_policies, extensions=guard(),
                                                description="The policies the tenant runs.")
    policy_versions: list[PolicyVersion] = strawberry.field(resolver=resolve_policy_versions,
                                                            extensions=platform_guard(),
                                                            description="Published policy versions.")
    # tenant planes (control plane registry; platform operators)
    tenant_planes: list[TenantPlane] = strawberry.field(resolver=plane_queries.resolve_tenant_planes,
                                                        extensions=platform_guard(),
                                                        description="Every registered tenant plane.")
    plane_deliveries: Connection[PlaneDelivery] = strawberry.field(
        resolver=plane_queries.resolve_plane_deliveries, extensions=platform_guard(),
        description="Control plane -> tenant plane pushes and their state.")
    # integrations and heartbeats
    integrations: list[Integration] = strawberry.field(resolver=integration_queries.resolve_integrations,
                                                       extensions=alert_read())
    heartbeats: list[Heartbeat] = strawberry.field(resolver=integration_queries.resolve_heartbeats,
                                                   extensions=alert_read())


@strawberry.type
class Mutation(AutomationMutation, PersonalMutation):
    create_tenant: tenant_mutations.CreateTenantPayload = strawberry.field(
        resolver=tenant_mutations.create_tenant, extensions=platform_guard())
    suspend_tenant: tenant_mutations.TenantChangePayload = strawberry.field(
        resolver=tenant_mutations.suspend_tenant, extensions=platform_guard())
    resume_tenant: tenant_mutations.TenantChangePayload = strawberry.field(
        resolver=tenant_mutations.resume_tenant, extensions=platform_guard())
    revoke_tenant_tokens: tenant_mutations.TenantChangePayload = strawberry.field(
        resolver=tenant_mutations.revoke_tenant_tokens, extensions=guard("tenant.admin"))
    invite_member: member_mutations.InviteMemberPayload = strawberry.field(
        resolver=member_mutations.invite_member, extensions=guard("member.manage"))
    revoke_invitation: member_mutations.RevokeInvitationPayload = strawberry.field(
        resolver=member_mutations.revoke_invitation, extensions=guard("member.manage"))
    accept_invitation: member_mutations.AcceptInvitationPayload = strawberry.field(
        resolver=member_mutations.accept_invitation, extensions=public(),
        description="Join a tenant; the invitation token is the credential.")
    update_member_roles: member_mutations.UpdateMemberRolesPayload = strawberry.field(
        resolver=member_mutations.update_member_roles, extensions=guard("member.manage"))
    remove_member: member_mutations.RemoveMemberPayload = strawberry.field(
        resolver=member_mutations.remove_member, extensions=guard("member.manage"))
    create_role: SaveRolePayload = strawberry.field(
        resolver=create_role, extensions=guard("role.manage", feature="custom_roles"))
    update_role: SaveRolePayload = strawberry.field(
        resolver=update_role, extensions=guard("role.manage", feature="custom_roles"))
    delete_role: DeleteRolePayload = strawberry.field(
        resolver=delete_role, extensions=guard("role.manage", feature="custom_roles"))
    create_api_key: CreateApiKeyPayload = strawberry.field(
        resolver=create_api_key, extensions=guard("apikey.manage", feature="api_keys"))
    revoke_api_key: RevokeApiKeyPayload = strawberry.field(
        resolver=revoke_api_key, extensions=guard("apikey.manage", feature="api_keys"))
    subscribe: billing_mutations.SubscriptionPayload = strawberry.field(
        resolver=billing_mutations.subscribe, extensions=guard("billing.manage"))
    change_plan: billing_mutations.SubscriptionPayload = strawberry.field(
        resolver=billing_mutations.change_plan, extensions=guard("billing.manage"))
    cancel_subscription: billing_mutations.SubscriptionPayload = strawberry.field(
        resolver=billing_mutations.cancel_subscription, extensions=guard("billing.manage"))
    set_tenant_entitlements: billing_mutations.SetTenantEntitlementsPayload = strawberry.field(
        resolver=billing_mutations.set_tenant_entitlements, extensions=platform_guard())
    publish_policy: policy_mutations.PolicyPublishedPayload = strawberry.field(
        resolver=policy_mutations.publish_policy, extensions=platform_guard())
    rollback_policy: policy_mutations.PolicyPublishedPayload = strawberry.field(
        resolver=policy_mutations.rollback_policy, extensions=platform_guard())
    tighten_policies: policy_mutations.TightenPoliciesPayload = strawberry.field(
        resolver=policy_mutations.tighten_policies, extensions=guard("tenant.admin"))
    register_tenant_plane: plane_mutations.RegisterTenantPlanePayload = strawberry.field(
        resolver=plane_mutations.register_tenant_plane, extensions=platform_guard())
    update_tenant_plane: plane_mutations.TenantPlaneChangePayload = strawberry.field(
        resolver=plane_mutations.update_tenant_plane, extensions=platform_guard())
    retry_plane_deliveries: plane_mutations.RetryPlaneDeliveriesPayload = strawberry.field(
        resolver=plane_mutations.retry_plane_deliveries, extensions=platform_guard())
    create_integration: integration_mutations.CreateIntegrationPayload = strawberry.field(
        resolver=integration_mutations.create_integration, extensions=alert_manage())
    delete_integration: integration_mutations.DeleteIntegrationPayload = strawberry.field(
        resolver=integration_mutations.delete_integration, extensions=alert_manage())
    create_heartbeat: integration_mutations.CreateHeartbeatPayload = strawberry.field(
        resolver=integration_mutations.create_heartbeat, extensions=alert_manage())
    create_alert_rule: alerting_mutations.RulePayload = strawberry.field(
        resolver=alerting_mutations.create_alert_rule, extensions=alert_manage())
    update_alert_rule: alerting_mutations.RulePayload = strawberry.field(
        resolver=alerting_mutations.update_alert_rule, extensions=alert_manage())
    delete_alert_rule: DeletePayload = strawberry.field(
        resolver=alerting_mutations.delete_alert_rule, extensions=alert_manage())
    create_silence: alerting_mutations.SilencePayload = strawberry.field(
        resolver=alerting_mutations.create_silence, extensions=alert_manage())
    delete_silence: DeletePayload = strawberry.field(
        resolver=alerting_mutations.delete_silence, extensions=alert_manage())
    create_notification_target: alerting_mutations.TargetPayload = strawberry.field(
        resolver=alerting_mutations.create_notification_target, extensions=alert_manage())
    delete_notification_target: DeletePayload = strawberry.field(
        resolver=alerting_mutations.delete_notification_target, extensions=alert_manage())
    update_notification_target: alerting_mutations.TargetSavedPayload = strawberry.field(
        resolver=alerting_mutations.update_notification_target, extensions=alert_manage())
    send_test_notification: alerting_mutations.TestNotificationPayload = strawberry.field(
        resolver=alerting_mutations.send_test_notification, extensions=alert_manage())
    update_alerting_settings: alerting_mutations.SettingsPayload = strawberry.field(
        resolver=alerting_mutations.update_alerting_settings, extensions=alert_manage())
    create_configuration_item: cmdb_mutations.CiPayload = strawberry.field(
        resolver=cmdb_mutations.create_configuration_item, extensions=cmdb_write())
    update_configuration_item: cmdb_mutations.CiPayload = strawberry.field(
        resolver=cmdb_mutations.update_configuration_item, extensions=cmdb_write())
    delete_configuration_item: DeletePayload = strawberry.field(
        resolver=cmdb_mutations.delete_configuration_item, extensions=cmdb_write())
    create_ci_relationship: cmdb_mutations.CiRelationshipPayload = strawberry.field(
        resolver=cmdb_mutations.create_ci_relationship, extensions=cmdb_write())
    delete_ci_relationship: DeletePayload = strawberry.field(
        resolver=cmdb_mutations.delete_ci_relationship, extensions=cmdb_write())
    create_ci_class: cmdb_mutations.CiClassPayload = strawberry.field(
        resolver=cmdb_mutations.create_ci_class, extensions=cmdb_write())
    delete_ci_class: DeletePayload = strawberry.field(
        resolver=cmdb_mutations.delete_ci_class, extensions=cmdb_write())
    import_cmdb: cmdb_mutations.CmdbImportPayload = strawberry.field(
        resolver=cmdb_mutations.import_cmdb, extensions=cmdb_write())
    create_incident: incident_mutations.IncidentPayload = strawberry.field(
        resolver=incident_mutations.create_incident, extensions=incident_write())
    transition_incident: incident_mutations.IncidentPayload = strawberry.field(
        resolver=incident_mutations.transition_incident, extensions=incident_write())
    assign_incident: incident_mutations.IncidentPayload = strawberry.field(
        resolver=incident_mutations.assign_incident, extensions=incident_write())
    triage_incident: incident_mutations.IncidentPayload = strawberry.field(
        resolver=incident_mutations.triage_incident, extensions=incident_write())
    set_incident_responder: incident_mutations.IncidentPayload = strawberry.field(
        resolver=incident_mutations.set_incident_responder, extensions=incident_write())
    comment_on_incident: incident_mutations.IncidentPayload = strawberry.field(
        resolver=incident_mutations.comment_on_incident, extensions=incident_write())
    link_incidents: incident_mutations.LinkPayload = strawberry.field(
        resolver=incident_mutations.link_incidents, extensions=incident_write())
    unlink_incidents: incident_mutations.UnlinkPayload = strawberry.field(
        resolver=incident_mutations.unlink_incidents, extensions=incident_write())
    merge_incidents: incident_mutations.MergePayload = strawberry.field(
        resolver=incident_mutations.merge_incidents, extensions=incident_write())
    save_postmortem: incident_mutations.PostmortemPayload = strawberry.field(
        resolver=incident_mutations.save_postmortem, extensions=incident_write())
    add_action_item: incident_mutations.ActionItemPayload = strawberry.field(
        resolver=incident_mutations.add_action_item, extensions=incident_write())
    update_action_item: incident_mutations.ActionItemPayload = strawberry.field(
        resolver=incident_mutations.update_action_item, extensions=incident_write())
    create_on_call_schedule: oncall_mutations.SchedulePayload = strawberry.field(
        resolver=oncall_mutations.create_on_call_schedule, extensions=alert_manage())
    import_on_call_setup: oncall_mutations.ImportOnCallPayload = strawberry.field(
        resolver=oncall_mutations.import_on_call_setup, extensions=alert_manage())
    add_on_call_override: oncall_mutations.OverridePayload = strawberry.field(
        resolver=oncall_mutations.add_on_call_override, extensions=alert_manage())
    rotate_schedule_feed: oncall_mutations.SchedulePayload = strawberry.field(
        resolver=oncall_mutations.rotate_schedule_feed, extensions=alert_manage())
    create_escalation_policy: oncall_mutations.PolicyPayload = strawberry.field(
        resolver=oncall_mutations.create_escalation_policy, extensions=alert_manage())
    set_service_escalation_policy: oncall_mutations.ServicePolicyPayload = strawberry.field(
        resolver=oncall_mutations.set_service_escalation_policy, extensions=alert_manage())
    add_notification_rule: oncall_mutations.NotificationRulePayload = strawberry.field(
        resolver=oncall_mutations.add_notification_rule, extensions=incident_read())
    remove_notification_rule: oncall_mutations.RemoveRulePayload = strawberry.field(
        resolver=oncall_mutations.remove_notification_rule, extensions=incident_read())
    rotate_my_on_call_feed: oncall_mutations.MyFeedPayload = strawberry.field(
        resolver=oncall_mutations.rotate_my_on_call_feed, extensions=incident_read())
    create_kb_article: knowledge_mutations.KbArticlePayload = strawberry.field(
        resolver=knowledge_mutations.create_kb_article, extensions=knowledge_write())
    update_kb_article: knowledge_mutations.KbArticlePayload = strawberry.field(
        resolver=knowledge_mutations.update_kb_article, extensions=knowledge_write())
    delete_kb_article: DeletePayload = strawberry.field(
        resolver=knowledge_mutations.delete_kb_article, extensions=knowledge_write())
    register_ai_model: ai_mutations.AiModelPayload = strawberry.field(
        resolver=ai_mutations.register_ai_model, extensions=platform_guard())
    set_ai_model_status: ai_mutations.AiModelPayload = strawberry.field(
        resolver=ai_mutations.set_ai_model_status, extensions=platform_guard(),
        description="Approve, suspend or retire a model platform-wide (audited).")
    set_ai_policy: ai_mutations.AiPolicyPayload = strawberry.field(
        resolver=ai_mutations.set_ai_policy, extensions=guard("ai.admin", feature="ai"))
    # ---- copilot and analytics (issue 13)
    ask_copilot: copilot_mutations.AskCopilotPayload = strawberry.field(
        resolver=copilot_mutations.ask_copilot, extensions=copilot_use(),
        description="Ask the copilot (persona given or routed); stream the answer with copilotAnswer.")
    summarize_analytics: analytics_mutations.AnalyticsSummaryPayload = strawberry.field(
        resolver=analytics_mutations.summarize_analytics, extensions=guard("ai.use", feature="ai"),
        description="An Executive summary of a period's analytics, written by the AI gateway.")
    rerun_ai_pipeline_step: ai_pipeline.AiPipelineStepPayload = strawberry.field(
        resolver=ai_pipeline.rerun_ai_pipeline_step, extensions=guard("ai.use", feature="ai.rca"),
        description="Run one step of an incident's AI pipeline again (costs AI credits).")
    draft_incident_update: ai_pipeline.IncidentUpdateDraftPayload = strawberry.field(
        resolver=ai_pipeline.draft_incident_update, extensions=guard("ai.use", feature="ai.rca"),
        description="A status-update draft for responders or executives (costs AI credits).")
    # ---- ITSM: changes
    create_change: change_mutations.ChangePayload = strawberry.field(
        resolver=change_mutations.create_change, extensions=change_write())
    update_change: change_mutations.ChangePayload = strawberry.field(
        resolver=change_mutations.update_change, extensions=change_write())
    transition_change: change_mutations.ChangePayload = strawberry.field(
        resolver=change_mutations.transition_change, extensions=change_write())
    vote_on_change: change_mutations.ChangePayload = strawberry.field(
        resolver=change_mutations.vote_on_change, extensions=change_approve())
    link_change_incident: change_mutations.ChangeLinkPayload = strawberry.field(
        resolver=change_mutations.link_change_incident, extensions=change_write())
    update_change_policy: change_mutations.ChangePolicyPayload = strawberry.field(
        resolver=change_mutations.update_change_policy, extensions=change_approve())
    # ---- ITSM: SLA
    create_sla_policy: sla_mutations.SlaPolicyPayload = strawberry.field(
        resolver=sla_mutations.create_sla_policy, extensions=sla_manage())
    delete_sla_policy: DeletePayload = strawberry.field(
        resolver=sla_mutations.delete_sla_policy, extensions=sla_manage())
    # ---- ITSM: catalog and problems
    create_catalog_item: catalog_mutations.CatalogItemPayload = strawberry.field(
        resolver=catalog_mutations.create_catalog_item, extensions=catalog_manage())
    raise_service_request: catalog_mutations.ServiceRequestPayload = strawberry.field(
        resolver=catalog_mutations.raise_service_request, extensions=catalog_read())
    decide_service_request: catalog_mutations.ServiceRequestPayload = strawberry.field(
        resolver=catalog_mutations.decide_service_request, extensions=catalog_manage())
    complete_request_task: catalog_mutations.ServiceRequestPayload = strawberry.field(
        resolver=catalog_mutations.complete_request_task, extensions=catalog_read())
    create_problem: problem_resolvers.ProblemPayload = strawberry.field(
        resolver=problem_resolvers.create_problem, extensions=incident_write())
    update_problem: problem_resolvers.ProblemPayload = strawberry.field(
        resolver=problem_resolvers.update_problem, extensions=incident_write())
    link_problem_incident: problem_resolvers.ProblemPayload = strawberry.field(
        resolver=problem_resolvers.link_problem_incident, extensions=incident_write())


@strawberry.type
class Subscription(AutomationSubscription):
    incident_changed: IncidentChange = strawberry.subscription(
        resolver=incident_changed, extensions=incident_read(),
        description="The tenant's incident changes from now on, in commit order.")
    you_are_paged: Paged = strawberry.subscription(
        resolver=you_are_paged, extensions=incident_read(),
        description="Escalation steps that page the signed-in person, from now on.")
    copilot_answer: CopilotAnswerEvent = strawberry.subscription(
        resolver=copilot_answer, extensions=copilot_use(),
        description="One of the caller's own copilot answers, sentence by sentence, then done or error.")
    # ---- ITSM: changes
    change_changed: ChangeEvent = strawberry.subscription(
        resolver=change_changed, extensions=change_read(),
        description="The tenant's change events (created, moved, voted, lapsed) from now on.")


class AtlasSchema(strawberry.Schema):
    """The schema, with identical subscriptions sharing one execution (see shared_subscriptions.py);
    in production, error messages carry no "Did you mean ...?" hints that would map the schema."""

    def __init__(self, *args, hide_suggestions: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.shared_subscriptions = SharedSubscriptions()
        self.hide_suggestions = hide_suggestions

    def process_errors(self, errors, execution_context=None) -> None:
        """Every error passes here before it is answered: drop suggestions in production. Log nothing:
        ReportErrors logs unexpected errors once; expected ones are answers, not incidents of ours."""
        if self.hide_suggestions:
            for error in errors:
                error.message = without_suggestions(error.message)

    async def stream(self, query, variable_values=None, context_value=None, root_value=None,
                     operation_name=None, operation_extensions=None, allowed_operation_types=None):
        def start():
            return super(AtlasSchema, self).stream(
                query, variable_values=variable_values, context_value=context_value, root_value=root_value,
                operation_name=operation_name, operation_extensions=operation_extensions,
                allowed_operation_types=allowed_operation_types)

        key = share_key(query, variable_values, operation_name, context_value)
        if key is None:
            return await start()
        return await self.shared_subscriptions.join(key, start)


def build_schema(*, production: bool = False) -> strawberry.Schema:
    """Build the schema with the hardening extensions for the given environment."""
    schema = AtlasSchema(query=Query, mutation=Mutation, subscription=Subscription, hide_suggestions=production,
                         extensions=hardening_extensions(production=production),
                         scalar_overrides={datetime: DATETIME})
    direct_attribute_resolvers(schema)
    return schema


def schema_sdl() -> str:
    """The SDL committed as graphql/schema.graphql (identical in every environment)."""
    return print_schema(build_schema()) + "\n"
