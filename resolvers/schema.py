"""The one GraphQL schema: control-plane and tenant-plane types side by side.

Every root field carries guards (see resolvers/guards.py); the cross-tenant matrix test fails
for a root field without one.
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.printer import print_schema

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
from resolvers.apikeys.mutations import CreateApiKeyPayload, RevokeApiKeyPayload, create_api_key, revoke_api_key
from resolvers.apikeys.queries import resolve_api_keys
from resolvers.apikeys.types import ApiKey
from resolvers.billing.queries import Plan, resolve_plans
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
from resolvers.members import mutations as member_mutations
from resolvers.members.queries import resolve_invitation_preview, resolve_invitations, resolve_members
from resolvers.members.types import Invitation, InvitationPreview, Member
from resolvers.pagination import Connection
from resolvers.roles.mutations import DeleteRolePayload, SaveRolePayload, create_role, delete_role, update_role
from resolvers.roles.queries import resolve_permissions, resolve_roles
from resolvers.roles.types import Permission, Role
from resolvers.scalars import DATETIME
from resolvers.shared_subscriptions import SharedSubscriptions, share_key
from resolvers.telemetry import queries as telemetry
from resolvers.telemetry.types import Event, LogRecord, MetricSeries, Trace, TraceSummary
from resolvers.tenants import mutations as tenant_mutations
from resolvers.tenants.queries import resolve_tenant, resolve_tenants
from resolvers.tenants.types import Tenant
from resolvers.viewer.queries import resolve_viewer
from resolvers.viewer.types import Viewer


def incident_read() -> list:
    return guard("incident.read", feature="incidents")


def alert_read() -> list:
    return guard("alert.read", feature="alerting")


def alert_manage() -> list:
    return guard("alert.manage", feature="alerting")


def telemetry_read() -> list:
    return guard("telemetry.read", feature="ingest")


def incident_write() -> list:
    return guard("incident.write", feature="incidents")


def cmdb_read() -> list:
    return guard("cmdb.read", feature="cmdb")


def cmdb_write() -> list:
    return guard("cmdb.write", feature="cmdb")


@strawberry.type
class Query:
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
    # integrations and heartbeats
    integrations: list[Integration] = strawberry.field(resolver=integration_queries.resolve_integrations,
                                                       extensions=alert_read())
    heartbeats: list[Heartbeat] = strawberry.field(resolver=integration_queries.resolve_heartbeats,
                                                   extensions=alert_read())


@strawberry.type
class Mutation:
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


@strawberry.type
class Subscription:
    incident_changed: IncidentChange = strawberry.subscription(
        resolver=incident_changed, extensions=incident_read(),
        description="The tenant's incident changes from now on, in commit order.")


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
