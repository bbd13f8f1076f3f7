"""The cross-tenant matrix: every root field and every route, for two tenants and several roles.

For each GraphQL root field (found by introspection, not by a hand list) it proves:
- without a token the field is refused with UNAUTHENTICATED (unless it is deliberately @public);
- with tenant A's token and tenant B's x-tenant-id the request is refused (403);
- with a role that lacks the field's permission it is refused with FORBIDDEN and nothing changes;
- tenant A's owner, aiming the operation at tenant B's objects, sees none of B's data and changes
  nothing of B's.
It fails when a root field has no guard or no row here. Later features add their rows and fixtures.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select, text
from strawberry.permission import PermissionExtension

from domain.ai.models import AiPolicy
from domain.ai.pipeline.models import AiPipelineStep
from domain.alerting.models import AlertingSettings, NotificationTarget, WebhookDelivery
from domain.apikeys.models import ApiKey
from domain.apikeys.service import create_api_key
from domain.auth.principals import user_principal
from domain.catalog.models import CatalogItem, RequestTask, ServiceRequest
from domain.changes.models import ChangeIncidentLink, ChangePolicy, ChangeRequest, ChangeVote
from domain.cmdb.models import CiRelationship, ConfigurationItem, TenantCiClass
from domain.incidents.links import link_incidents
from domain.incidents.models import ActionItem, Incident, IncidentLink, IncidentResponder, Postmortem, TimelineEntry
from domain.incidents.postmortems import add_action_item
from domain.incidents.service import NewIncident, create_incident, transition_incident
from domain.knowledge.models import KbArticle
from domain.members.models import Invitation, Membership, User
from domain.members.service import invite_member
from domain.problems.models import Problem, ProblemIncident
from domain.roles.models import Role
from domain.roles.service import create_role
from domain.sla.models import SlaPolicy
from domain.tenants.models import Tenant
from resolvers.guards import Public, Requires, TenantScoped
from tests.conftest import TEST_PASSWORD, auth_headers
from tests.waiting import listening, wait_for

PUBLIC, SCOPED = "public", "tenant-scoped"


@dataclass
class Side:
    """One tenant of the world and the objects it holds."""

    tenant: object
    owner: str
    auditor: str
    responder_id: str
    api_key_id: str
    invitation_id: str
    invitation_token: str
    role_id: str
    incident_id: str = ""
    resolved_incident_id: str = ""
    action_item_id: str = ""
    link_id: str = ""
    trace_id: str = ""
    alert_rule_id: str = ""
    silence_id: str = ""
    target_id: str = ""
    ci_id: str = ""
    ci_relationship_id: str = ""
    kb_article_id: str = ""
    viewer: str = ""  # lacks audit.read, the one permission the auditor holds
    integration_id: str = ""
    marker_emails: list[str] = field(default_factory=list)
    oncall_ids: list[str] = field(default_factory=list)  # on-call and paging: schedule, policy, rule, feed secret
    change_id: str = ""  # ITSM
    sla_policy_id: str = ""  # ITSM
    itsm: dict = field(default_factory=dict)  # ITSM: catalog item, request, task and problem ids
    # automation
    runbook_id: str = ""
    draft_runbook_id: str = ""
    run_id: str = ""
    approval_id: str = ""
    webhook_workflow_id: str = ""

    @property
    def secrets(self) -> list[str]:
        """Identifiers of this side that must never show up in the other tenant's responses."""
        return [self.tenant_id, self.tenant.slug, self.api_key_id, self.invitation_id, self.role_id,
                self.responder_id, self.incident_id, self.resolved_incident_id, self.action_item_id, self.link_id,
                self.trace_id, f"svc-{self.tenant.slug}", self.alert_rule_id, self.silence_id, self.target_id,
                f"rule-{self.tenant.slug}", self.ci_id, self.ci_relationship_id, f"ci-{self.tenant.slug}",
                self.ci_class_key, self.kb_article_id, f"kb-{self.tenant.slug}", *self.marker_emails,
                *self.oncall_ids, *[i for i in (self.change_id, self.sla_policy_id) if i], *self.itsm.values(),
                self.runbook_id, self.draft_runbook_id, self.run_id, self.approval_id, self.webhook_workflow_id,
                self.integration_id, f"beat-{self.tenant.slug}"]

    @property
    def ci_class_key(self) -> str:
        return "c_" + self.tenant.slug.replace("-", "_")

    @property
    def tenant_id(self) -> str:
        return str(self.tenant.tenant_id)


@dataclass
class World:
    a: Side
    b: Side

    def side(self, which: str) -> Side:
        return self.a if which == "A" else self.b


@dataclass(frozen=True)
class Case:
    """How to call one root field against the objects of side A or B."""

    document: str
    variables: Callable[[World, str], dict] = lambda world, which: {}
    permission: str | None = SCOPED   # PUBLIC, SCOPED (token only), a permission, or "platform.admin"
    cross_tenant: bool = True         # False: the field is not about one tenant's objects


def _fresh_slug() -> str:
    return f"m-{uuid.uuid4().hex[:10]}"


QUERIES: dict[str, Case] = {
    "health": Case("{ health { status } }", permission=PUBLIC, cross_tenant=False),
    "plans": Case("{ plans { name } }", permission=PUBLIC, cross_tenant=False),
    "invitationPreview": Case("query($t: String!) { invitationPreview(token: $t) { tenantName } }",
                              lambda w, s: {"t": "ati_" + "0" * 32 + "_nope"}, permission=PUBLIC, cross_tenant=False),
    "viewer": Case("{ viewer { subject tenantId email tenant { id slug } } }", permission=PUBLIC),
    "tenant": Case("{ tenant { id slug name } }"),
    "tenants": Case("{ tenants(first: 100) { edges { node { id slug } } } }", permission="platform.admin",
                    cross_tenant=False),
    "members": Case("{ members(first: 100) { edges { node { userId email roles } } } }",
                    permission="member.read"),
    "invitations": Case("{ invitations(first: 100) { edges { node { id email } } } }",
                        permission="member.manage"),
    "roles": Case("{ roles { id name permissions } }", permission="member.read"),
    "permissions": Case("{ permissions { name } }", cross_tenant=False),
    "apiKeys": Case("{ apiKeys(first: 100, includeRevoked: true) { edges { node { id name } } } }",
                    permission="apikey.manage"),
    "logs": Case("{ logs(first: 100) { edges { node { body service } } } }", permission="telemetry.read"),
    "metricNames": Case("{ metricNames }", permission="telemetry.read"),
    "metricLabelValues": Case("{ metricLabelValues(name: \"matrix.load\", label: \"side\") }",
                              permission="telemetry.read"),
    "metricSeries": Case("{ metricSeries(input: {name: \"matrix.load\", groupBy: [\"side\"]}) { labels points { value } } }",
                         permission="telemetry.read"),
    "traces": Case("{ traces { edges { node { traceId rootService } } } }", permission="telemetry.read"),
    "trace": Case("query($t: String!) { trace(traceId: $t) { traceId spans { name service } } }",
                  lambda w, s: {"t": w.side(s).trace_id}, permission="telemetry.read"),
    "events": Case("{ events { edges { node { id title service } } } }", permission="telemetry.read"),
    "alertRules": Case("{ alertRules { id name openAlerts lastFiredAt versions { version changedBy } } }",
                       permission="alert.read"),
    "alertRule": Case("query($id: ID!) { alertRule(id: $id) { id name versions { version definition } } }",
                      lambda w, s: {"id": w.side(s).alert_rule_id}, permission="alert.read"),
    "alerts": Case("{ alerts { id groupKey ruleName } }", permission="alert.read"),
    "silences": Case("{ silences { id name } }", permission="alert.read"),
    "notificationTargets": Case("{ notificationTargets { id name url } }", permission="alert.read"),
    "webhookDeliveries": Case("{ webhookDeliveries { id } }", permission="alert.read"),
    "alertingSettings": Case("{ alertingSettings { reopenWindowMinutes groupBy groupWindowMinutes updatedBy } }",
                             permission="alert.read"),
    # copilot and analytics (issue 13)
    "copilotConversations": Case("query($i: ID) { copilotConversations(incidentId: $i) { id title messages { text } } }",
                                 lambda w, s: {"i": w.side(s).incident_id}, permission="ai.use"),
    "opsAnalytics": Case("{ opsAnalytics { incidents { total bySeverity { key count } bySeverity { key } "
                         "byService { key count } } sla { total } changes { finished } alertNoise { alerts "
                         "flappingRules { key } } aiUsage { calls byTask { key } } } }", permission="incident.read"),
    "alertRuleDryRun": Case(
        'query($i: AlertRuleInput!) { alertRuleDryRun(input: $i, hours: 1) { scanned groups { fingerprint } } }',
        lambda w, s: {"i": {"name": "dry", "kind": "EVENT", "condition": "event.source == 'matrix'"}},
        permission="alert.manage"),
    "incident": Case("query($id: ID!) { incident(id: $id) { id title timeline { edges { node { kind } } } } }",
                     lambda w, s: {"id": w.side(s).incident_id}, permission="incident.read"),
    "incidents": Case("{ incidents(first: 100) { edges { node { id title assignee { email } "
                      "responders { person { email } } links { id } impact { affected { ci { name } } } } } } }",
                      permission="incident.read"),
    "ciClasses": Case("{ ciClasses { key label } }", permission="cmdb.read"),
    "relationshipTypes": Case("{ relationshipTypes { key sources } }", permission="cmdb.read", cross_tenant=False),
    "configurationItems": Case("{ configurationItems(first: 100) { edges { node { id name relationships { id "
                               "source { name } target { name } } history { edges { node { action after } } } } } } }",
                               permission="cmdb.read"),
    "configurationItem": Case("query($id: ID!) { configurationItem(id: $id) { id name } }",
                              lambda w, s: {"id": w.side(s).ci_id}, permission="cmdb.read"),
    "ciHistory": Case("query($id: ID!) { ciHistory(ciId: $id) { edges { node { action before after } } } }",
                      lambda w, s: {"id": w.side(s).ci_id}, permission="cmdb.read"),
    "deletedConfigurationItems": Case("{ deletedConfigurationItems { edges { node { id name lastState history { "
                                      "edges { node { action before } } } } } } }", permission="cmdb.read"),
    "topology": Case("query($id: ID!) { topology(ciId: $id, depth: 3) { nodes { ci { id name } } edges { id } } }",
                     lambda w, s: {"id": w.side(s).ci_id}, permission="cmdb.read"),
    "impactAnalysis": Case("query($id: ID!) { impactAnalysis(ciIds: [$id]) { affected { ci { id name } explanation } } }",
                           lambda w, s: {"id": w.side(s).ci_id}, permission="cmdb.read"),
    "cmdbExport": Case("{ cmdbExport(format: CSV) { cis relationships } }", permission="cmdb.read"),
    # on-call and paging
    "onCallSchedules": Case("{ onCallSchedules { id name feedPath onCallNow { email } layers { participants { email } } } }",
                            permission="incident.read"),
    "onCallShifts": Case(
        "query($id: ID!, $s: DateTime!, $u: DateTime!) { onCallShifts(scheduleId: $id, since: $s, until: $u) "
        "{ person { email } startsAt } }",
        lambda w, s: {"id": w.side(s).oncall_ids[0], "s": "2026-12-01T00:00:00Z", "u": "2026-12-08T00:00:00Z"},
        permission="incident.read"),
    "whoIsOnCall": Case("query($s: String!) { whoIsOnCall(service: $s) { userId email } }",
                        lambda w, s: {"s": f"svc-{w.side(s).tenant.slug}"}, permission="incident.read"),
    "myOnCallShifts": Case("{ myOnCallShifts { scheduleId person { email } } }", permission="incident.read"),
    "escalationPolicies": Case("{ escalationPolicies { id name services levels { targets { id } } } }",
                               permission="incident.read"),
    "myNotificationRules": Case("{ myNotificationRules { id address } }", permission="incident.read"),
    "incidentEscalation": Case("query($id: ID!) { incidentEscalation(incidentId: $id) { status pages { id } } }",
                               lambda w, s: {"id": w.side(s).incident_id}, permission="incident.read"),
    # knowledge and the AI control layer (issue 12)
    "search": Case("query($q: String!) { search(query: $q, first: 20) { sourceId title snippet link } }",
                   lambda w, s: {"q": f"kb {w.side(s).tenant.slug} matrix runbook"}, permission="knowledge.read"),
    "kbArticles": Case("{ kbArticles(first: 100) { edges { node { id title body } } } }", permission="knowledge.read"),
    "kbArticle": Case("query($id: ID!) { kbArticle(id: $id) { article { id title } versions { version body } } }",
                      lambda w, s: {"id": w.side(s).kb_article_id}, permission="knowledge.read"),
    "aiModels": Case("{ aiModels { key status } }", permission="ai.use", cross_tenant=False),
    "aiPolicy": Case("{ aiPolicy { allowedModels routes } }", permission="ai.admin"),
    "aiUsage": Case("{ aiUsage { balance ledgerSum periodKey } }", permission="ai.use"),
    "aiLedger": Case("{ aiLedger(first: 50) { edges { node { requestKey kind amount } } } }", permission="ai.admin"),
    "aiCalls": Case("{ aiCalls(first: 50) { edges { node { id actor evidenceIds } } } }", permission="ai.admin"),
    "platformAiModels": Case("{ platformAiModels { key } }", permission="platform.admin", cross_tenant=False),
    "aiModelChanges": Case("{ aiModelChanges { modelKey action actor } }", permission="platform.admin",
                           cross_tenant=False),
    # the AI pipeline (issue 13)
    "incidentAiPipeline": Case("query($id: ID!) { incidentAiPipeline(incidentId: $id) { id step status result "
                               "hypotheses { ci ciId evidenceIds } } }",
                               lambda w, s: {"id": w.side(s).incident_id}, permission="incident.read"),
    # ---- ITSM: changes
    "changes": Case("{ changes(first: 100) { edges { node { id title ciNames votes { voter } incidentLinks { id } } } } }",
                    permission="change.read"),
    "change": Case("query($id: ID!) { change(id: $id) { id title riskReasons { reason } } }",
                   lambda w, s: {"id": w.side(s).change_id}, permission="change.read"),
    "changePolicy": Case("{ changePolicy { collisionMode cabRole freezeWindows { name } } }", permission="change.read"),
    "slaPolicies": Case("{ slaPolicies { id name services } }", permission="catalog.read"),
    "slaTimers": Case("query($id: ID!) { slaTimers(incidentId: $id) { id policy metric } }",
                      lambda w, s: {"id": w.side(s).incident_id}, permission="catalog.read"),
    "slaBreaches": Case("{ slaBreaches { incidentReference incidentTitle timer { id policy } } }",
                        permission="catalog.read"),
    "slaCompliance": Case("{ slaCompliance { policy service total met } }", permission="catalog.read"),
    "catalogItems": Case("{ catalogItems { id name tasks { title } } }", permission="catalog.read"),
    "serviceRequests": Case("{ serviceRequests { edges { node { id reference itemName answers tasks { id title } } } } }",
                            permission="catalog.read"),
    "serviceRequest": Case("query($id: ID!) { serviceRequest(id: $id) { id reference } }",
                           lambda w, s: {"id": w.side(s).itsm["request"]}, permission="catalog.read"),
    "problems": Case("{ problems { edges { node { id title incidentIds } } } }", permission="incident.read"),
    "problem": Case("query($id: ID!) { problem(id: $id) { id title } }",
                    lambda w, s: {"id": w.side(s).itsm["problem"]}, permission="incident.read"),
    "knownErrors": Case('{ knownErrors(search: "matrix") { id title } }', permission="incident.read"),
    # automation
    "runbooks": Case("{ runbooks(includeArchived: true) { id name yaml steps } }", permission="automation.read"),
    "runbook": Case("query($id: ID!) { runbook(id: $id) { id name yaml } }",
                    lambda w, s: {"id": w.side(s).runbook_id}, permission="automation.read"),
    "workflows": Case("{ workflows { id name runbookName yaml } }", permission="automation.read"),
    "automationRuns": Case("{ automationRuns { id requestedBy runbookName steps { id name outputs } } }",
                           permission="automation.read"),
    "automationRun": Case("query($id: ID!) { automationRun(id: $id) { id steps { id } events { kind data } } }",
                          lambda w, s: {"id": w.side(s).run_id}, permission="automation.read"),
    "approvals": Case("{ approvals { id runId summary requestedBy } }", permission="automation.read"),
    "agents": Case("{ agents { id name labels } }", permission="automation.read"),
    # billing (issue 16)
    "billing": Case("{ billing { entitlements { plan version } subscription { status planInForce } "
                    "usage { name limit used } events { eventId paymentId } } }", permission="billing.manage"),
    "invoices": Case("{ invoices { id status amount } }", permission="billing.manage"),
    "auditEvents": Case("{ auditEvents(first: 100) { edges { node { actor action targetId data } } } }",
                        permission="audit.read"),
    "auditExport": Case("{ auditExport(format: JSON) { count content } }", permission="audit.read"),
    "policies": Case("{ policies { platformVersion runningVersion tightening effective } }"),
    "policyVersions": Case("{ policyVersions { version note } }", permission="platform.admin", cross_tenant=False),
    # tenant planes (issue 25): the control plane's registry and its deliveries
    "tenantPlanes": Case("{ tenantPlanes { id name url hosted } }", permission="platform.admin", cross_tenant=False),
    "planeDeliveries": Case("{ planeDeliveries(first: 10) { edges { node { id key status } } } }",
                            permission="platform.admin", cross_tenant=False),
    # integrations and heartbeats
    "integrations": Case("{ integrations { id name recentPayloads { body } } }", permission="alert.read"),
    "heartbeats": Case("{ heartbeats { id name integrationId } }", permission="alert.read"),
    # the console as a daily tool (issue 20): one search box over every kind the caller may read
    "globalSearch": Case("query($q: String!) { globalSearch(query: $q, perKind: 20) { kind id title detail } }",
                         lambda w, s: {"q": w.side(s).tenant.slug}),
}

_PAYLOAD = "__typename ... on Error { code message field }"

MUTATIONS: dict[str, Case] = {
    "createTenant": Case(
        f"mutation($i: CreateTenantInput!) {{ createTenant(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"name": "Matrix", "slug": _fresh_slug(), "adminEmail": "m@matrix.example.com",
                            "adminPassword": TEST_PASSWORD}},
        permission="platform.admin", cross_tenant=False),
    "suspendTenant": Case(f"mutation($id: ID!, $c: String!) {{ suspendTenant(id: $id, confirmSlug: $c) {{ {_PAYLOAD} }} }}",
                          lambda w, s: {"id": w.side(s).tenant_id, "c": w.side(s).tenant.slug},
                          permission="platform.admin", cross_tenant=False),
    "resumeTenant": Case(f"mutation($id: ID!) {{ resumeTenant(id: $id) {{ {_PAYLOAD} }} }}",
                         lambda w, s: {"id": w.side(s).tenant_id}, permission="platform.admin", cross_tenant=False),
    "revokeTenantTokens": Case(f"mutation {{ revokeTenantTokens {{ {_PAYLOAD} }} }}", permission="tenant.admin"),
    "inviteMember": Case(
        f"mutation($i: InviteMemberInput!) {{ inviteMember(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"email": f"new-{uuid.uuid4().hex[:6]}@matrix.example.com", "roles": ["viewer"]}},
        permission="member.manage"),
    "revokeInvitation": Case(f"mutation($id: ID!) {{ revokeInvitation(id: $id) {{ {_PAYLOAD} }} }}",
                             lambda w, s: {"id": w.side(s).invitation_id}, permission="member.manage"),
    "acceptInvitation": Case(
        f"mutation($i: AcceptInvitationInput!) {{ acceptInvitation(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"token": "ati_00000000000000000000000000000000_not-a-real-secret"}},
        permission=PUBLIC, cross_tenant=False),
    "updateMemberRoles": Case(
        f"mutation($u: ID!) {{ updateMemberRoles(userId: $u, roles: [\"viewer\"]) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"u": w.side(s).responder_id}, permission="member.manage"),
    "removeMember": Case(f"mutation($u: ID!) {{ removeMember(userId: $u) {{ {_PAYLOAD} }} }}",
                         lambda w, s: {"u": w.side(s).responder_id}, permission="member.manage"),
    "createRole": Case(
        f"mutation($i: CreateRoleInput!) {{ createRole(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"name": f"r-{uuid.uuid4().hex[:6]}", "permissions": ["incident.read"]}},
        permission="role.manage"),
    "updateRole": Case(
        f"mutation($i: UpdateRoleInput!) {{ updateRole(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"id": w.side(s).role_id, "permissions": ["incident.write"]}},
        permission="role.manage"),
    "deleteRole": Case(f"mutation($id: ID!) {{ deleteRole(id: $id) {{ {_PAYLOAD} }} }}",
                       lambda w, s: {"id": w.side(s).role_id}, permission="role.manage"),
    "createApiKey": Case(
        f"mutation($i: CreateApiKeyInput!) {{ createApiKey(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"name": "matrix", "kind": "client", "roles": ["agent"]}}, permission="apikey.manage"),
    "revokeApiKey": Case(f"mutation($id: ID!) {{ revokeApiKey(id: $id) {{ {_PAYLOAD} }} }}",
                         lambda w, s: {"id": w.side(s).api_key_id}, permission="apikey.manage"),
    "createAlertRule": Case(
        f"mutation($i: AlertRuleInput!) {{ createAlertRule(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"name": f"new-{uuid.uuid4().hex[:6]}", "kind": "EVENT", "condition": "event.kind == 'x'"}},
        permission="alert.manage"),
    "updateAlertRule": Case(
        f"mutation($id: ID!, $i: AlertRuleInput!) {{ updateAlertRule(id: $id, input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"id": w.side(s).alert_rule_id,
                      "i": {"name": "renamed", "kind": "EVENT", "condition": "event.kind == 'y'"}},
        permission="alert.manage"),
    "deleteAlertRule": Case(f"mutation($id: ID!) {{ deleteAlertRule(id: $id) {{ {_PAYLOAD} }} }}",
                            lambda w, s: {"id": w.side(s).alert_rule_id}, permission="alert.manage"),
    "createSilence": Case(
        f"mutation($i: SilenceInput!) {{ createSilence(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"name": "mw", "startsAt": "2030-01-01T00:00:00Z", "endsAt": "2030-01-02T00:00:00Z",
                            "service": "db"}}, permission="alert.manage"),
    "deleteSilence": Case(f"mutation($id: ID!) {{ deleteSilence(id: $id) {{ {_PAYLOAD} }} }}",
                          lambda w, s: {"id": w.side(s).silence_id}, permission="alert.manage"),
    "createNotificationTarget": Case(
        f'mutation {{ createNotificationTarget(name: "hook-{uuid.uuid4().hex[:6]}", url: "https://hooks.example.com/x") '
        f"{{ {_PAYLOAD} }} }}", permission="alert.manage"),
    "deleteNotificationTarget": Case(f"mutation($id: ID!) {{ deleteNotificationTarget(id: $id) {{ {_PAYLOAD} }} }}",
                                     lambda w, s: {"id": w.side(s).target_id}, permission="alert.manage"),
    "updateNotificationTarget": Case(
        f"mutation($id: ID!) {{ updateNotificationTarget(id: $id, subscription: {{eventTypes: [INCIDENT_CLOSED], "
        f"enabled: false}}) {{ {_PAYLOAD} }} }}", lambda w, s: {"id": w.side(s).target_id}, permission="alert.manage"),
    "sendTestNotification": Case(f"mutation($id: ID!) {{ sendTestNotification(id: $id) {{ {_PAYLOAD} }} }}",
                                 lambda w, s: {"id": w.side(s).target_id}, permission="alert.manage"),
    "updateAlertingSettings": Case(
        f"mutation {{ updateAlertingSettings(input: {{reopenWindowMinutes: 5, groupBy: OFF}}) {{ {_PAYLOAD} }} }}",
        permission="alert.manage"),
    "createConfigurationItem": Case(
        f"mutation($i: CiInput!) {{ createConfigurationItem(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"classKey": "host", "name": f"new-{uuid.uuid4().hex[:6]}"}}, permission="cmdb.write"),
    "updateConfigurationItem": Case(
        f"mutation($id: ID!) {{ updateConfigurationItem(id: $id, input: {{ownerTeam: \"hijack\"}}) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"id": w.side(s).ci_id}, permission="cmdb.write"),
    "deleteConfigurationItem": Case(f"mutation($id: ID!) {{ deleteConfigurationItem(id: $id) {{ {_PAYLOAD} }} }}",
                                    lambda w, s: {"id": w.side(s).ci_id}, permission="cmdb.write"),
    "createCiRelationship": Case(
        f"mutation($i: CiRelationshipInput!) {{ createCiRelationship(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"type": "depends_on", "sourceId": w.side(s).ci_id, "targetId": w.a.ci_id}},
        permission="cmdb.write"),
    "deleteCiRelationship": Case(f"mutation($id: ID!) {{ deleteCiRelationship(id: $id) {{ {_PAYLOAD} }} }}",
                                 lambda w, s: {"id": w.side(s).ci_relationship_id}, permission="cmdb.write"),
    "createCiClass": Case(
        f"mutation($i: CiClassInput!) {{ createCiClass(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"key": f"k_{uuid.uuid4().hex[:6]}", "label": "K", "parent": "host"}},
        permission="cmdb.write"),
    "deleteCiClass": Case(f"mutation($k: String!) {{ deleteCiClass(key: $k) {{ {_PAYLOAD} }} }}",
                          lambda w, s: {"k": w.side(s).ci_class_key}, permission="cmdb.write"),
    "importCmdb": Case(
        f"mutation($c: String!) {{ importCmdb(format: JSON, cis: $c) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"c": f'[{{"class": "host", "name": "imported-{uuid.uuid4().hex[:6]}"}}]'},
        permission="cmdb.write"),
    "createIncident": Case(
        f"mutation($i: CreateIncidentInput!) {{ createIncident(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"title": "Matrix outage", "severity": "SEV3", "assigneeId": w.side(s).responder_id}},
        permission="incident.write"),
    "transitionIncident": Case(
        f"mutation($i: TransitionIncidentInput!) {{ transitionIncident(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"id": w.side(s).incident_id, "to": "INVESTIGATING"}}, permission="incident.write"),
    "assignIncident": Case(
        f"mutation($i: AssignIncidentInput!) {{ assignIncident(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"id": w.side(s).incident_id, "assigneeId": w.side(s).responder_id}},
        permission="incident.write"),
    "triageIncident": Case(
        f"mutation($i: TriageIncidentInput!) {{ triageIncident(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"id": w.side(s).incident_id, "severity": "SEV1"}}, permission="incident.write"),
    "setIncidentResponder": Case(
        f"mutation($i: SetResponderInput!) {{ setIncidentResponder(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"incidentId": w.side(s).incident_id, "userId": w.side(s).responder_id,
                            "role": "COMMANDER"}}, permission="incident.write"),
    "commentOnIncident": Case(
        f"mutation($id: ID!) {{ commentOnIncident(id: $id, body: \"hello\") {{ {_PAYLOAD} }} }}",
        lambda w, s: {"id": w.side(s).incident_id}, permission="incident.write"),
    "linkIncidents": Case(
        f"mutation($i: LinkIncidentsInput!) {{ linkIncidents(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"fromId": w.side(s).incident_id, "toId": w.side(s).resolved_incident_id,
                            "kind": "RELATED"}}, permission="incident.write"),
    "unlinkIncidents": Case(f"mutation($id: ID!) {{ unlinkIncidents(linkId: $id) {{ {_PAYLOAD} }} }}",
                            lambda w, s: {"id": w.side(s).link_id}, permission="incident.write"),
    "mergeIncidents": Case(
        f"mutation($d: ID!, $i: ID!) {{ mergeIncidents(duplicateId: $d, intoId: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"d": w.side(s).incident_id, "i": w.side(s).resolved_incident_id},
        permission="incident.write"),
    "savePostmortem": Case(
        f"mutation($i: PostmortemInput!) {{ savePostmortem(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"incidentId": w.side(s).resolved_incident_id, "summary": "overwritten"}},
        permission="incident.write"),
    "addActionItem": Case(
        f"mutation($i: ActionItemInput!) {{ addActionItem(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"incidentId": w.side(s).resolved_incident_id, "title": "do it"}},
        permission="incident.write"),
    "updateActionItem": Case(
        f"mutation($i: UpdateActionItemInput!) {{ updateActionItem(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"id": w.side(s).action_item_id, "status": "done"}}, permission="incident.write"),
    # on-call and paging
    "createOnCallSchedule": Case(
        f"mutation($i: CreateScheduleInput!) {{ createOnCallSchedule(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"name": f"s-{uuid.uuid4().hex[:6]}", "timeZone": "UTC", "layers": [
            {"rotation": "daily", "start": "2026-12-01T09:00", "participants": [w.side(s).responder_id]}]}},
        permission="alert.manage"),
    "importOnCallSetup": Case(
        f"mutation($i: ImportOnCallInput!) {{ importOnCallSetup(input: $i) {{ {_PAYLOAD} "
        "... on OnCallImported { created { kind names } unmapped { path } } } }",
        lambda w, s: {"i": {"source": "OPSGENIE", "document": json.dumps({
            "users": {"data": [{"id": "mx-user", "username": f"mx-{uuid.uuid4().hex[:6]}@example.com"}]},
            "schedules": [{"data": {"id": "mx-sched", "name": f"import-{uuid.uuid4().hex[:6]}", "timezone": "UTC",
                                    "rotations": [{"id": "r", "type": "daily", "length": 1,
                                                   "startDate": "2026-12-01T09:00:00Z",
                                                   "participants": [{"type": "user", "id": "mx-user"}]}]}}]})}},
        permission="alert.manage"),
    "addOnCallOverride": Case(
        f"mutation($i: OverrideInput!) {{ addOnCallOverride(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"scheduleId": w.side(s).oncall_ids[0], "userId": w.side(s).responder_id,
                            "startsAt": "2026-12-01T00:00:00Z", "endsAt": "2026-12-02T00:00:00Z"}},
        permission="alert.manage"),
    "rotateScheduleFeed": Case(f"mutation($id: ID!) {{ rotateScheduleFeed(scheduleId: $id) {{ {_PAYLOAD} }} }}",
                               lambda w, s: {"id": w.side(s).oncall_ids[0]}, permission="alert.manage"),
    "createEscalationPolicy": Case(
        f"mutation($i: CreatePolicyInput!) {{ createEscalationPolicy(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"name": f"p-{uuid.uuid4().hex[:6]}", "levels": [
            {"timeoutSeconds": 60, "targets": [{"kind": "user", "id": w.side(s).responder_id}]}]}},
        permission="alert.manage"),
    "setServiceEscalationPolicy": Case(
        f"mutation($id: ID!) {{ setServiceEscalationPolicy(service: \"hijack\", policyId: $id) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"id": w.side(s).oncall_ids[1]}, permission="alert.manage"),
    "addNotificationRule": Case(
        f"mutation($i: NotificationRuleInput!) {{ addNotificationRule(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"urgency": "high", "channel": "webhook", "address": w.side(s).target_id}},
        permission="incident.read"),
    "removeNotificationRule": Case(f"mutation($id: ID!) {{ removeNotificationRule(id: $id) {{ {_PAYLOAD} }} }}",
                                   lambda w, s: {"id": w.side(s).oncall_ids[2]}, permission="incident.read"),
    "rotateMyOnCallFeed": Case(f"mutation {{ rotateMyOnCallFeed {{ {_PAYLOAD} ... on MyFeedRotated {{ feedPath }} }} }}",
                               permission="incident.read"),
    # knowledge and the AI control layer (issue 12)
    "createKbArticle": Case(
        f"mutation($i: KbArticleInput!) {{ createKbArticle(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"title": "New runbook", "body": "Restart it."}}, permission="knowledge.write"),
    "updateKbArticle": Case(
        f"mutation($id: ID!, $i: KbArticleInput!) {{ updateKbArticle(id: $id, input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"id": w.side(s).kb_article_id, "i": {"title": "hijacked", "body": "x"}},
        permission="knowledge.write"),
    "deleteKbArticle": Case(f"mutation($id: ID!) {{ deleteKbArticle(id: $id) {{ {_PAYLOAD} }} }}",
                            lambda w, s: {"id": w.side(s).kb_article_id}, permission="knowledge.write"),
    "registerAiModel": Case(
        f"mutation($i: RegisterAiModelInput!) {{ registerAiModel(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"key": f"local:m-{uuid.uuid4().hex[:6]}", "provider": "local", "modelId": "extractive",
                            "residency": "local"}}, permission="platform.admin", cross_tenant=False),
    "setAiModelStatus": Case(
        f"mutation {{ setAiModelStatus(key: \"local:no-such-model\", status: \"retired\") {{ {_PAYLOAD} }} }}",
        permission="platform.admin", cross_tenant=False),
    "setAiPolicy": Case(
        f"mutation($i: AiPolicyInput!) {{ setAiPolicy(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"forbidExternal": True, "routes": [{"task": "rca", "models": ["local:extractive"]}]}},
        permission="ai.admin"),
    "rerunAiPipelineStep": Case(
        f"mutation($id: ID!) {{ rerunAiPipelineStep(incidentId: $id, step: \"rca\") {{ {_PAYLOAD} "
        "... on AiPipelineStepQueued { step { id status } } } }",
        lambda w, s: {"id": w.side(s).incident_id}, permission="ai.use"),
    "draftIncidentUpdate": Case(
        f"mutation($id: ID!) {{ draftIncidentUpdate(incidentId: $id, audience: \"executives\") {{ {_PAYLOAD} "
        "... on IncidentUpdateDraft { text cited } } }",
        lambda w, s: {"id": w.side(s).incident_id}, permission="ai.use"),
    # ---- ITSM: changes
    "createChange": Case(
        f"mutation($i: ChangeInput!) {{ createChange(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"title": "Matrix change", "type": "NORMAL", "ciIds": [w.side(s).ci_id]}},
        permission="change.write"),
    "updateChange": Case(
        f"mutation($id: ID!) {{ updateChange(id: $id, input: {{title: \"hijack\", type: EMERGENCY}}) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"id": w.side(s).change_id}, permission="change.write"),
    "transitionChange": Case(
        f"mutation($id: ID!) {{ transitionChange(input: {{id: $id, to: ASSESSMENT}}) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"id": w.side(s).change_id}, permission="change.write"),
    "voteOnChange": Case(
        f"mutation($id: ID!) {{ voteOnChange(input: {{id: $id, decision: APPROVE, comment: \"ok\"}}) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"id": w.side(s).change_id}, permission="change.approve"),
    "linkChangeIncident": Case(
        f"mutation($i: LinkChangeIncidentInput!) {{ linkChangeIncident(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"changeId": w.side(s).change_id, "incidentId": w.side(s).incident_id,
                            "kind": "CAUSED_BY"}}, permission="change.write"),
    "updateChangePolicy": Case(
        f"mutation {{ updateChangePolicy(input: {{collisionMode: \"warn\"}}) {{ {_PAYLOAD} }} }}",
        permission="change.approve"),
    "createSlaPolicy": Case(
        f"mutation($i: SlaPolicyInput!) {{ createSlaPolicy(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"name": f"new-{uuid.uuid4().hex[:6]}", "responseMinutes": 5}}, permission="catalog.manage"),
    "deleteSlaPolicy": Case(f"mutation($id: ID!) {{ deleteSlaPolicy(id: $id) {{ {_PAYLOAD} }} }}",
                            lambda w, s: {"id": w.side(s).sla_policy_id}, permission="catalog.manage"),
    "createCatalogItem": Case(
        f"mutation($i: CatalogItemInput!) {{ createCatalogItem(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"name": f"new-{uuid.uuid4().hex[:6]}", "category": "X"}}, permission="catalog.manage"),
    "raiseServiceRequest": Case(
        f"mutation($id: ID!) {{ raiseServiceRequest(itemId: $id, answers: {{}}) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"id": w.side(s).itsm["item"]}, permission="catalog.read"),
    "decideServiceRequest": Case(
        f"mutation($id: ID!) {{ decideServiceRequest(id: $id, decision: APPROVE) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"id": w.side(s).itsm["request"]}, permission="catalog.manage"),
    "completeRequestTask": Case(
        f"mutation($id: ID!) {{ completeRequestTask(taskId: $id) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"id": w.side(s).itsm["task"]}, permission="catalog.read"),
    "createProblem": Case(f'mutation {{ createProblem(title: "matrix problem") {{ {_PAYLOAD} }} }}',
                          permission="incident.write"),
    "updateProblem": Case(
        f'mutation($id: ID!) {{ updateProblem(id: $id, workaround: "hijack") {{ {_PAYLOAD} }} }}',
        lambda w, s: {"id": w.side(s).itsm["problem"]}, permission="incident.write"),
    "linkProblemIncident": Case(
        f"mutation($id: ID!, $i: ID!) {{ linkProblemIncident(id: $id, incidentId: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"id": w.side(s).itsm["problem"], "i": w.side(s).resolved_incident_id},
        permission="incident.write"),
    # automation
    "importAutomation": Case(
        f"mutation($y: String!) {{ importAutomation(yaml: $y) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"y": "apiVersion: atlas/v1\nkind: Runbook\nspec:\n  name: matrix-import\n  steps:\n"
                           "  - {name: w, kind: wait, seconds: 1}\n"}, permission="automation.manage"),
    "publishRunbook": Case(f"mutation($id: ID!) {{ publishRunbook(id: $id) {{ {_PAYLOAD} }} }}",
                           lambda w, s: {"id": w.side(s).draft_runbook_id}, permission="automation.manage"),
    "archiveRunbook": Case(f"mutation($id: ID!) {{ archiveRunbook(id: $id) {{ {_PAYLOAD} }} }}",
                           lambda w, s: {"id": w.side(s).runbook_id}, permission="automation.manage"),
    "rotateWorkflowWebhookSecret": Case(
        f"mutation($id: ID!) {{ rotateWorkflowWebhookSecret(id: $id) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"id": w.side(s).webhook_workflow_id}, permission="automation.manage"),
    "registerAgent": Case(
        f"mutation($i: RegisterAgentInput!) {{ registerAgent(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"name": f"agent-{uuid.uuid4().hex[:6]}", "labels": ["linux"]}},
        permission="automation.manage"),
    "startRun": Case(f"mutation($i: StartRunInput!) {{ startRun(input: $i) {{ {_PAYLOAD} }} }}",
                     lambda w, s: {"i": {"runbookId": w.side(s).runbook_id}}, permission="automation.run"),
    "cancelRun": Case(f"mutation($id: ID!) {{ cancelRun(id: $id) {{ {_PAYLOAD} }} }}",
                      lambda w, s: {"id": w.side(s).run_id}, permission="automation.run"),
    "completeManualStep": Case(f"mutation($id: ID!) {{ completeManualStep(runId: $id) {{ {_PAYLOAD} }} }}",
                               lambda w, s: {"id": w.side(s).run_id}, permission="automation.run"),
    "decideApproval": Case(
        f"mutation($i: DecideApprovalInput!) {{ decideApproval(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"id": w.side(s).approval_id, "approve": True}}, permission="automation.run"),
    # billing (issue 16)
    "subscribe": Case(f'mutation {{ subscribe(plan: "pro") {{ {_PAYLOAD} }} }}', permission="billing.manage"),
    "changePlan": Case(f'mutation {{ changePlan(plan: "enterprise") {{ {_PAYLOAD} }} }}',
                       permission="billing.manage"),
    "cancelSubscription": Case(f"mutation {{ cancelSubscription {{ {_PAYLOAD} }} }}", permission="billing.manage"),
    "setTenantEntitlements": Case(
        f"mutation($i: SetTenantEntitlementsInput!) {{ setTenantEntitlements(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"tenantId": w.side(s).tenant_id, "plan": "enterprise"}},
        permission="platform.admin", cross_tenant=False),
    "publishPolicy": Case(f'mutation {{ publishPolicy(document: {{password_min_length: 200}}) {{ {_PAYLOAD} }} }}',
                          permission="platform.admin", cross_tenant=False),
    "rollbackPolicy": Case(f"mutation {{ rollbackPolicy(version: 999999) {{ {_PAYLOAD} }} }}",
                           permission="platform.admin", cross_tenant=False),
    "registerTenantPlane": Case(
        f"mutation($i: RegisterTenantPlaneInput!) {{ registerTenantPlane(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"name": f"tp-{uuid.uuid4().hex[:8]}", "region": "eu-west",
                            "url": "https://tp.matrix.example.com"}}, permission="platform.admin", cross_tenant=False),
    "updateTenantPlane": Case(
        f"mutation($id: ID!) {{ updateTenantPlane(id: $id, input: {{status: \"draining\"}}) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"id": str(uuid.uuid4())}, permission="platform.admin", cross_tenant=False),
    "retryPlaneDeliveries": Case(f"mutation($id: ID!) {{ retryPlaneDeliveries(id: $id) {{ {_PAYLOAD} }} }}",
                                 lambda w, s: {"id": str(uuid.uuid4())}, permission="platform.admin",
                                 cross_tenant=False),
    "tightenPolicies": Case(f"mutation {{ tightenPolicies(tightening: {{session_max_hours: 2}}) {{ {_PAYLOAD} }} }}",
                            permission="tenant.admin"),
    # integrations and heartbeats
    "createIntegration": Case(
        f"mutation($i: CreateIntegrationInput!) {{ createIntegration(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"name": _fresh_slug(), "kind": "pagerduty"}}, permission="alert.manage",
        cross_tenant=False),
    "deleteIntegration": Case(f"mutation($id: ID!) {{ deleteIntegration(id: $id) {{ {_PAYLOAD} }} }}",
                              lambda w, s: {"id": w.side(s).integration_id}, permission="alert.manage"),
    # copilot and analytics (issue 13)
    "askCopilot": Case(f"mutation($i: ID) {{ askCopilot(question: \"what broke?\", incidentId: $i) {{ {_PAYLOAD} }} }}",
                       lambda w, s: {"i": w.side(s).incident_id}, permission="ai.use"),
    "summarizeAnalytics": Case("mutation { summarizeAnalytics { ... on AnalyticsSummary { text citations "
                               "analytics { incidents { total } } } ... on Error { code } } }",
                               permission="ai.use"),
    "createHeartbeat": Case(
        f"mutation($i: CreateHeartbeatInput!) {{ createHeartbeat(input: $i) {{ {_PAYLOAD} }} }}",
        lambda w, s: {"i": {"name": _fresh_slug(), "intervalSeconds": 60}}, permission="alert.manage",
        cross_tenant=False),
    # the caller's own settings (issue 20): never anyone else's, so B's members keep theirs
    "updateMySettings": Case(f"mutation($i: MySettingsInput!) {{ updateMySettings(input: $i) {{ {_PAYLOAD} }} }}",
                             lambda w, s: {"i": {"timeZone": "Asia/Kolkata", "theme": "dark"}}),
}

SUBSCRIPTIONS: dict[str, Case] = {
    "copilotAnswer": Case('subscription { copilotAnswer(messageId: "00000000-0000-0000-0000-000000000000") '
                          '{ kind text errorCode } }', permission="ai.use"),
    "incidentChanged": Case("subscription { incidentChanged { seq kind incident { id title } } }",
                            permission="incident.read"),
    # on-call and paging
    "youArePaged": Case("subscription { youArePaged { incidentId reference } }", permission="incident.read"),
    # ---- ITSM: changes
    "changeChanged": Case("subscription { changeChanged { kind change { id } } }", permission="change.read"),
    # automation
    "automationChanged": Case("subscription { automationChanged { runId kind status step } }",
                              permission="automation.read"),
}

MATRIX = {"Query": QUERIES, "Mutation": MUTATIONS, "Subscription": SUBSCRIPTIONS}


# ---------------------------------------------------------------- the world: two tenants, several roles

async def _side(db, make_tenant, add_member) -> Side:
    tenant = await make_tenant()
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        owner = await user_principal(tx, user_id=tenant.admin_user_id, entitlements={})
        role = await create_role(tx, name="auditor", description="", permissions=["audit.read"], actor=owner)
        key = await create_api_key(tx, name="side-key", kind="client", roles=["agent"], expires_at=None, actor=owner)
        invitation = await invite_member(tx, email=f"invitee@{tenant.slug}.example.com", roles=["viewer"],
                                         actor=owner)
    auditor = await add_member(tenant, ["auditor"])
    responder = await add_member(tenant, ["responder"])
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        responder_id = await tx.session.scalar(select(User.id).where(User.email == responder))
        active = await create_incident(tx, new=NewIncident(title=f"Active {tenant.slug}", severity="SEV2"), actor="mx")
        done = await create_incident(tx, new=NewIncident(title=f"Resolved {tenant.slug}", severity="SEV3"), actor="mx")
        await transition_incident(tx, incident_id=done.id, to="resolved", actor="mx")
        item = await add_action_item(tx, incident_id=done.id, title="follow up", owner_id=None, due_date=None, actor="mx")
        other = await create_incident(tx, new=NewIncident(title=f"Linked {tenant.slug}", severity="SEV4"), actor="mx")
        link = await link_incidents(tx, from_id=other.id, to_id=done.id, kind="related", actor="mx")
    trace_id = await _telemetry(db, tenant)
    rule_id, silence_id, target_id = await _alerting(db, tenant)
    ci_id, ci_relationship_id = await _cmdb(db, tenant)
    oncall_ids = await _oncall(db, tenant, responder_id, target_id)
    kb_article_id = await _knowledge(db, tenant)
    automation = await _automation(db, tenant)
    viewer = await add_member(tenant, ["viewer"])
    integration_id = await _integrations(db, tenant)
    side = Side(**automation, oncall_ids=oncall_ids, kb_article_id=kb_article_id, integration_id=integration_id,
                tenant=tenant, owner=f"owner@{tenant.slug}.example.com", auditor=auditor, viewer=viewer,
                trace_id=trace_id,
                alert_rule_id=rule_id, silence_id=silence_id, target_id=target_id, ci_id=ci_id,
                ci_relationship_id=ci_relationship_id,
                responder_id=str(responder_id), api_key_id=str(key.key.id), invitation_id=str(invitation.invitation.id),
                invitation_token=str(invitation.credential), role_id=str(role.id), incident_id=str(active.id),
                resolved_incident_id=str(done.id), action_item_id=str(item.id), link_id=str(link.id),
                marker_emails=[responder, auditor, viewer, f"invitee@{tenant.slug}.example.com"])
    side.change_id, side.sla_policy_id = await _itsm(db, tenant, ci_id, requester_id=responder_id)
    side.itsm = await _catalog_and_problems(db, tenant, incident_id=active.id)
    await _ai_pipeline(db, tenant, incident_id=active.id, ci_id=ci_id)
    return side


async def _ai_pipeline(db, tenant, *, incident_id, ci_id: str) -> None:
    """An RCA result on the side's active incident naming its CI (what another tenant must never see)."""
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        tx.session.add(AiPipelineStep(tenant_id=tenant.tenant_id, incident_id=incident_id, step="rca", status="done",
                                      run=1, result={"hypotheses": [{
                                          "ci": f"ci-{tenant.slug}", "ci_id": ci_id, "cause": "matrix",
                                          "confidence": 1.0, "evidence_ids": [f"metric:ci-{tenant.slug}:cpu"],
                                          "reasons": []}]}))


async def _itsm(db, tenant, ci_id: str, *, requester_id) -> tuple[str, str]:
    """A change under CAB review on the side's CI and an SLA policy; returns their ids."""
    from datetime import UTC, datetime, timedelta

    from domain.changes.service import ChangeDraft, create_change
    from domain.changes.workflow import transition_change
    from domain.sla.policies import PolicyDraft, create_sla_policy

    start = datetime.now(UTC) + timedelta(days=3)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        change = await create_change(tx, draft=ChangeDraft(
            title=f"Change {tenant.slug}", type="normal", ci_ids=[uuid.UUID(ci_id)], planned_start=start,
            planned_end=start + timedelta(hours=1)), requester_id=requester_id, actor="mx")
        for to in ("submitted", "assessment", "cab_review"):
            await transition_change(tx, change_id=change.id, to=to, actor="mx")
        policy = await create_sla_policy(tx, draft=PolicyDraft(name=f"sla-{tenant.slug}", response_minutes=5,
                                                               services=[f"svc-{tenant.slug}"]), actor="mx")
    return str(change.id), str(policy.id)


async def _catalog_and_problems(db, tenant, *, incident_id) -> dict:
    """A catalog item, a request awaiting approval, an open task of another request, a problem; their ids."""
    from domain.catalog.models import RequestTask
    from domain.catalog.service import ItemDraft, create_item, raise_request
    from domain.problems.service import create_problem, link_incident

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        item = await create_item(tx, draft=ItemDraft(name=f"item-{tenant.slug}", category="mx", approvals_needed=1),
                                 actor="mx")
        direct = await create_item(tx, draft=ItemDraft(name=f"direct-{tenant.slug}", category="mx",
                                                       tasks=[{"title": f"task-{tenant.slug}"}]), actor="mx")
        waiting = await raise_request(tx, item_id=item.id, answers={}, requester_id=None, actor="mx")
        doing = await raise_request(tx, item_id=direct.id, answers={}, requester_id=None, actor="mx")
        task = await tx.session.scalar(select(RequestTask.id).where(RequestTask.request_id == doing.id))
        problem = await create_problem(tx, title=f"matrix {tenant.slug}", actor="mx")
        await link_incident(tx, problem_id=problem.id, incident_id=incident_id, actor="mx")
    return {"item": str(item.id), "request": str(waiting.id), "task": str(task), "problem": str(problem.id)}


async def _oncall(db, tenant, responder_id, target_id) -> list[str]:
    """A schedule, a policy (for the side's service) and the owner's webhook rule; their ids and the feed secret."""
    from domain.oncall.service import create_schedule
    from domain.paging.policies import add_notification_rule, create_policy, set_service_policy

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        schedule = await create_schedule(tx, name=f"sched-{tenant.slug}", time_zone="UTC", layers=[
            {"rotation": "daily", "start": "2026-01-01T09:00", "participants": [str(responder_id)]}])
        policy = await create_policy(tx, name=f"pol-{tenant.slug}", levels=[
            {"timeout_seconds": 300, "targets": [{"kind": "schedule", "id": str(schedule.id)}]}])
        await set_service_policy(tx, service=f"svc-{tenant.slug}", policy_id=policy.id)
        rule = await add_notification_rule(tx, user_id=tenant.admin_user_id, urgency="high", channel="webhook",
                                           address=str(target_id))
    return [str(schedule.id), str(policy.id), str(rule.id), schedule.feed_token]


async def _integrations(db, tenant) -> str:
    """A PagerDuty integration (with a payload received) and a heartbeat in the tenant; the integration's id."""
    from domain.integrations.heartbeats import create_heartbeat
    from domain.integrations.service import IntegrationSender, create_integration, remember_refusal

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        issued = await create_integration(tx, name=f"pd-{tenant.slug}", kind="pagerduty", service=None, actor="mx")
        await create_heartbeat(tx, name=f"beat-{tenant.slug}", interval_seconds=60, actor="mx")
    sender = IntegrationSender(issued.integration.id, tenant.tenant_id, "pagerduty", None, {})
    await remember_refusal(db, sender=sender, action="enqueue", body={"marker": f"svc-{tenant.slug}"},
                           status_code=400, detail="matrix")
    return str(issued.integration.id)


async def _alerting(db, tenant) -> tuple[str, str, str]:
    """A rule, a silence and a webhook target in the tenant; returns their ids."""
    from datetime import UTC, datetime, timedelta

    from domain.alerting.rules import RuleDefinition, create_rule
    from domain.alerting.silences import SilenceDefinition, create_silence
    from domain.alerting.targets import create_target

    now = datetime.now(UTC)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        rule = await create_rule(tx, actor="mx", definition=RuleDefinition(
            name=f"rule-{tenant.slug}", kind="event", condition="event.source == 'matrix'"))
        silence = await create_silence(tx, actor="mx", definition=SilenceDefinition(
            name=f"mw-{tenant.slug}", starts_at=now, ends_at=now + timedelta(days=1), service="nothing"))
        target = await create_target(tx, name=f"hook-{tenant.slug}", url="https://hooks.example.com/a",
                                     seal=lambda secret: secret.encode(), actor="mx")
    return str(rule.id), str(silence.id), str(target.target.id)


async def _cmdb(db, tenant) -> tuple[str, str]:
    """A tenant class, two CIs related to each other and a deleted one; returns the first CI's and the
    relationship's ids."""
    from domain.cmdb.classes import create_class
    from domain.cmdb.service import CiDraft, create_ci, create_relationship, delete_ci

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await create_class(tx, key="c_" + tenant.slug.replace("-", "_"), label="Matrix class", parent="host",
                           schema=None, actor="mx")
        app = await create_ci(tx, draft=CiDraft(class_key="application_service", name=f"ci-{tenant.slug}"), actor="mx")
        db_ci = await create_ci(tx, draft=CiDraft(class_key="database", name=f"db-{tenant.slug}"), actor="mx")
        rel = await create_relationship(tx, type="depends_on", source_id=app.id, target_id=db_ci.id, actor="mx")
        gone = await create_ci(tx, draft=CiDraft(class_key="host", name=f"ci-{tenant.slug}-gone"), actor="mx")
        await delete_ci(tx, ci_id=gone.id, actor="mx")
    return str(app.id), str(rel.id)


async def _knowledge(db, tenant) -> str:
    """An article marked with the tenant's slug, indexed, and one audited AI call; returns the article id."""
    from domain.ai.gateway import Gateway
    from domain.ai.providers.local import LocalProvider
    from domain.ai.types import ChatRequest, Evidence
    from domain.knowledge.articles import create_article
    from domain.knowledge.indexing import index_source

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        article = await create_article(tx, title=f"kb-{tenant.slug} matrix runbook", body="Restart the matrix.",
                                       tags=[], actor="mx")
    gateway = Gateway(db=db, providers={"local": LocalProvider()})
    await index_source(gateway=gateway, db=db, tenant_id=tenant.tenant_id, source="article", source_id=article.id)
    await gateway.chat(tenant_id=tenant.tenant_id, actor=f"kb-{tenant.slug}", request=ChatRequest(
        task="rca", question="matrix", evidence=(Evidence(id=f"kb-{tenant.slug}", text="the matrix restarted"),)))
    return str(article.id)
async def _automation(db, tenant) -> dict:
    """A draft and a published runbook, a workflow, an agent, and a run waiting at its approval gate."""
    from types import SimpleNamespace

    from domain.automation import engine
    from domain.automation.agents import register_agent
    from domain.automation.models import Approval
    from domain.automation.runbooks import publish_runbook, save_runbook, save_workflow
    from domain.automation.runs import start_run
    from domain.automation.spec import RunbookSpec, WorkflowSpec

    gate = [{"name": "gate", "kind": "approval", "summary": f"gate of {tenant.slug}"}]
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        draft = await save_runbook(tx, spec=RunbookSpec(name=f"draft-{tenant.slug}", steps=gate), actor="mx")
        runbook = await save_runbook(tx, spec=RunbookSpec(name=f"rb-{tenant.slug}", steps=gate), actor="mx")
        await publish_runbook(tx, runbook_id=runbook.id)
        await save_workflow(tx, spec=WorkflowSpec(name=f"wf-{tenant.slug}", trigger="manual",
                                                  runbook=f"rb-{tenant.slug}"), actor="mx")
        hook = await save_workflow(tx, spec=WorkflowSpec(name=f"hook-{tenant.slug}", trigger="webhook",
                                                         runbook=f"rb-{tenant.slug}"), actor="mx")
        await register_agent(tx, name=f"agent-{tenant.slug}", labels=["linux"], actor="mx")
        run = await start_run(tx, runbook=runbook, inputs={}, subject={}, actor="mx")
    await engine.advance(SimpleNamespace(db=db, secrets=None), tenant_id=tenant.tenant_id, run_id=run.id,
                         job_id="matrix")  # what the worker does: the run now waits at its gate
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        approval_id = await tx.session.scalar(select(Approval.id).where(Approval.run_id == run.id))
    return {"runbook_id": str(runbook.id), "draft_runbook_id": str(draft.id), "run_id": str(run.id),
            "approval_id": str(approval_id), "webhook_workflow_id": str(hook.id)}


async def _telemetry(db, tenant) -> str:
    """Store a little of every telemetry kind for the tenant, marked with its slug; return the trace id."""
    from datetime import UTC, datetime, timedelta

    from domain.telemetry.envelope import parse_envelope
    from domain.telemetry.ingest import store_batch

    now, trace_id = datetime.now(UTC), uuid.uuid4().hex
    service = f"svc-{tenant.slug}"
    batch = parse_envelope({"resource": {"service.name": service},
                            "events": [{"source": "matrix", "title": f"event {tenant.slug}"}],
                            "logs": [{"body": f"log line of {tenant.slug}"}],
                            "metrics": [{"name": "matrix.load", "value": 1.0, "labels": {"side": tenant.slug}}],
                            "spans": [{"trace_id": trace_id, "span_id": uuid.uuid4().hex[:16], "name": "GET /",
                                       "start_time": (now - timedelta(minutes=1)).isoformat(),
                                       "end_time": now.isoformat()}]})
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await store_batch(tx, batch, now=now, retention_days=30)
    return trace_id


@pytest.fixture(scope="module")
async def world(db, make_tenant_module, add_member_module) -> World:
    return World(a=await _side(db, make_tenant_module, add_member_module),
                 b=await _side(db, make_tenant_module, add_member_module))


@pytest.fixture(scope="module")
def make_tenant_module(db):
    from domain.tenants.service import provision_tenant
    from tests.conftest import unique_slug

    async def make():
        slug = unique_slug("mx")
        async with db.transaction(tenant_id=None) as tx:
            return await provision_tenant(tx, name=f"Matrix {slug}", slug=slug,
                                          admin_email=f"owner@{slug}.example.com", admin_password=TEST_PASSWORD,
                                          plan="enterprise")
    return make


@pytest.fixture(scope="module")
def add_member_module(db):
    from domain.members.users import create_user

    async def add(tenant, roles):
        email = f"{roles[0]}-{uuid.uuid4().hex[:6]}@{tenant.slug}.example.com"
        async with db.transaction(tenant_id=tenant.tenant_id) as tx:
            user = await create_user(tx, email=email, password=TEST_PASSWORD)
            tx.session.add(Membership(tenant_id=tenant.tenant_id, user_id=user.id, roles=roles))
        return email
    return add


async def _snapshot(db, side: Side) -> dict:
    """Everything the matrix's operations could change in one tenant."""
    async with db.transaction(tenant_id=side.tenant.tenant_id) as tx:
        s = tx.session
        return {
            "tenant": (await s.execute(select(Tenant.status, Tenant.tokens_valid_after)
                                       .where(Tenant.id == side.tenant.tenant_id))).one(),
            "keys": sorted((str(k), str(r)) for k, r in await s.execute(select(ApiKey.id, ApiKey.revoked_at))),
            "roles": sorted((n, tuple(p)) for n, p in await s.execute(select(Role.name, Role.permissions))),
            "invitations": sorted(str(row) for row in await s.execute(
                select(Invitation.id, Invitation.revoked_at, Invitation.accepted_at))),
            "members": sorted((str(u), tuple(r)) for u, r in await s.execute(
                select(Membership.user_id, Membership.roles).where(Membership.tenant_id == side.tenant.tenant_id))),
            "user_settings": sorted(str(row) for row in await s.execute(
                select(User.id, User.time_zone, User.theme).join(Membership, Membership.user_id == User.id)
                .where(Membership.tenant_id == side.tenant.tenant_id))),
            "incidents": sorted(str(row) for row in await s.execute(select(
                Incident.id, Incident.status, Incident.severity, Incident.assignee_id, Incident.version,
                Incident.merged_into_id))),
            "timeline": await s.scalar(select(func.count()).select_from(TimelineEntry)),
            "responders": await s.scalar(select(func.count()).select_from(IncidentResponder)),
            "links": sorted(str(i) for i in await s.scalars(select(IncidentLink.id))),
            "postmortems": sorted(str(r) for r in await s.execute(select(Postmortem.incident_id, Postmortem.summary))),
            "action_items": sorted(str(r) for r in await s.execute(select(ActionItem.id, ActionItem.status))),
            "cis": sorted(str(r) for r in await s.execute(select(ConfigurationItem.id, ConfigurationItem.version))),
            "ci_relationships": sorted(str(i) for i in await s.scalars(select(CiRelationship.id))),
            "ci_classes": sorted(await s.scalars(select(TenantCiClass.key))),
            "targets": sorted(str(r) for r in await s.execute(select(
                NotificationTarget.id, NotificationTarget.event_types, NotificationTarget.scope,
                NotificationTarget.enabled))),
            "deliveries": await s.scalar(select(func.count()).select_from(WebhookDelivery)),
            "alerting_settings": [str(r) for r in await s.execute(select(
                AlertingSettings.reopen_window_minutes, AlertingSettings.group_by))],
            # on-call and paging
            "oncall": [sorted(str(r) for r in await s.execute(select(model))) for model in (
                text("id, name, feed_token FROM oncall_schedules"), text("id FROM oncall_overrides"),
                text("id, name FROM escalation_policies"), text("service, policy_id FROM service_escalation_policies"),
                text("id FROM notification_rules"), text("user_id, token FROM oncall_user_feeds"))],
            "kb_articles": sorted(str(r) for r in await s.execute(select(KbArticle.id, KbArticle.version))),
            "ai_policy": [str(r) for r in await s.execute(select(AiPolicy.forbid_external, AiPolicy.routes))],
            "ai_pipeline_steps": sorted(str(r) for r in await s.execute(select(
                AiPipelineStep.id, AiPipelineStep.wanted, AiPipelineStep.status))),
            # ITSM
            "changes": sorted(str(r) for r in await s.execute(select(
                ChangeRequest.id, ChangeRequest.state, ChangeRequest.version))),
            "change_votes": await s.scalar(select(func.count()).select_from(ChangeVote)),
            "change_links": await s.scalar(select(func.count()).select_from(ChangeIncidentLink)),
            "change_policies": [str(r) for r in await s.execute(select(ChangePolicy.collision_mode))],
            "sla_policies": sorted(await s.scalars(select(SlaPolicy.name))),
            "catalog_items": sorted(await s.scalars(select(CatalogItem.name))),
            "service_requests": sorted(str(r) for r in await s.execute(select(
                ServiceRequest.id, ServiceRequest.state, ServiceRequest.version))),
            "request_tasks": sorted(str(r) for r in await s.execute(select(RequestTask.id, RequestTask.state))),
            "problems": sorted(str(r) for r in await s.execute(select(Problem.id, Problem.state, Problem.version))),
            "problem_incidents": await s.scalar(select(func.count()).select_from(ProblemIncident)),
            # automation
            **await _automation_snapshot(s),
        }


async def _automation_snapshot(s) -> dict:
    from domain.automation.models import Agent, Approval, Run, Runbook, RunStep, Workflow

    return {
        "runbooks": sorted(str(r) for r in await s.execute(select(Runbook.id, Runbook.status, Runbook.updated_at))),
        "workflows": sorted(str(r) for r in await s.execute(select(Workflow.id, Workflow.enabled,
                                                                   Workflow.webhook_secret))),
        "runs": sorted(str(r) for r in await s.execute(select(Run.id, Run.status, Run.position))),
        "run_steps": sorted(str(r) for r in await s.execute(select(RunStep.id, RunStep.status))),
        "approvals": sorted(str(r) for r in await s.execute(select(Approval.id, Approval.status))),
        "agents": sorted(await s.scalars(select(Agent.name))),
    }


# ---------------------------------------------------------------- helpers

async def _post(client, case: Case, world: World, target: str, headers: dict) -> object:
    return await client.post("/graphql", json={"query": case.document, "variables": case.variables(world, target)},
                             headers=headers)


async def _token(runtime, side: Side, email: str):
    return await runtime.tokens.password_grant(username=email, password=TEST_PASSWORD, tenant=side.tenant.slug,
                                               address=f"matrix-{uuid.uuid4().hex[:6]}")


def _error_codes(body: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


def _payload_codes(body: dict) -> list[str]:
    data = body.get("data") or {}
    return [v.get("code") for v in data.values() if isinstance(v, dict) and v.get("code")]


ALL_CASES = [(kind, name, case) for kind, cases in MATRIX.items() if kind != "Subscription"
             for name, case in cases.items()]
IDS = [f"{kind}.{name}" for kind, name, _ in ALL_CASES]


# ---------------------------------------------------------------- completeness

INTROSPECT = "{ __schema { queryType { fields { name } } mutationType { fields { name } } subscriptionType { fields { name } } } }"


async def test_every_root_field_has_a_row_in_the_matrix(client):
    schema = (await client.post("/graphql", json={"query": INTROSPECT})).json()["data"]["__schema"]

    for kind, key in (("Query", "queryType"), ("Mutation", "mutationType"), ("Subscription", "subscriptionType")):
        found = {f["name"] for f in (schema[key] or {}).get("fields", [])}
        assert found == set(MATRIX[kind]), f"{kind} fields without a matrix row: {found - set(MATRIX[kind])}; " \
                                            f"rows without a field: {set(MATRIX[kind]) - found}"


def test_every_root_field_carries_a_guard(app):
    schema = app.state.schema
    for kind in ("Query", "Mutation", "Subscription"):
        definition = schema.get_type_by_name(kind)
        for strawberry_field in getattr(definition, "fields", []) if definition else []:
            guards = [p for ext in strawberry_field.extensions if isinstance(ext, PermissionExtension)
                      for p in ext.permissions if isinstance(p, Public | TenantScoped | Requires)]
            assert guards, f"{kind}.{strawberry_field.name} has no guard: use guard(), platform_guard() or public()"


# ---------------------------------------------------------------- the matrix

@pytest.mark.parametrize(("kind", "name", "case"), ALL_CASES, ids=IDS)
async def test_without_a_token_guarded_fields_are_unauthenticated(client, db, world, kind, name, case):
    before = await _snapshot(db, world.a)

    body = (await _post(client, case, world, "A", {})).json()

    if case.permission == PUBLIC:
        assert "UNAUTHENTICATED" not in _error_codes(body)
    else:
        assert _error_codes(body) == ["UNAUTHENTICATED"], body
        assert await _snapshot(db, world.a) == before


@pytest.mark.parametrize(("kind", "name", "case"), ALL_CASES, ids=IDS)
async def test_a_token_with_another_tenants_header_is_refused(client, runtime, world, kind, name, case):
    grant = await _token(runtime, world.a, world.a.owner)

    response = await _post(client, case, world, "A", auth_headers(grant.access_token, world.b.tenant_id))

    assert response.status_code == 403
    assert response.json()["code"] == "TENANT_MISMATCH"


@pytest.mark.parametrize(("kind", "name", "case"), ALL_CASES, ids=IDS)
async def test_a_role_without_the_permission_is_forbidden_and_changes_nothing(client, db, runtime, world, kind, name, case):
    if case.permission in (PUBLIC, SCOPED):
        pytest.skip("no permission to lack")
    # the owner lacks platform.admin; the auditor role lacks every tenant permission used here
    email = world.a.owner if case.permission == "platform.admin" else world.a.auditor
    email = world.a.viewer if case.permission == "audit.read" else email
    grant = await _token(runtime, world.a, email)
    before = (await _snapshot(db, world.a), await _snapshot(db, world.b))

    body = (await _post(client, case, world, "A", auth_headers(grant))).json()

    assert _error_codes(body) == ["FORBIDDEN"], body
    assert (await _snapshot(db, world.a), await _snapshot(db, world.b)) == before


@pytest.mark.parametrize(("kind", "name", "case"), ALL_CASES, ids=IDS)
async def test_tenant_a_cannot_see_or_change_tenant_b(client, db, runtime, world, kind, name, case):
    if not case.cross_tenant:
        pytest.skip("not about one tenant's objects (platform-wide, public or catalog)")
    grant = await _token(runtime, world.a, world.a.owner)
    before = await _snapshot(db, world.b)

    response = await _post(client, case, world, "B", auth_headers(grant))

    text = response.text
    for secret in world.b.secrets:
        assert secret not in text, f"{name} leaked {secret!r} of tenant B: {text}"
    assert await _snapshot(db, world.b) == before
    body = response.json()
    codes = _payload_codes(body)
    assert set(codes) <= {"NOT_FOUND", "VALIDATION"} or _error_codes(body) == ["VALIDATION"], body


# ---------------------------------------------------------------- subscriptions (graphql-transport-ws)

SUBSCRIPTION_CASES = list(SUBSCRIPTIONS.items())


async def _subscribe(app, payload: dict, document: str, *, then=None, wait: float = 5.0) -> list:
    """connection_init with ``payload``, subscribe, run ``then()``, collect messages until quiet."""
    import asyncio

    import httpx
    from httpx_ws import WebSocketDisconnect, aconnect_ws
    from httpx_ws.transport import ASGIWebSocketTransport

    received: list = []
    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app=app), base_url="http://atlas.test") as http:
        async with aconnect_ws("/graphql", http, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send_json({"type": "connection_init", "payload": payload})
            try:
                received.append(await ws.receive_json())
                await ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": document}})
                if then is not None:
                    await wait_for(lambda: listening(app, [uuid.UUID(payload["x-tenant-id"])]), timeout=5,
                                   every=0.02, what="the subscription to follow its tenant's incidents")
                    await then()
                while True:
                    received.append(await asyncio.wait_for(ws.receive_json(), wait))
                    if received[-1]["type"] in ("error", "complete"):
                        break
            except WebSocketDisconnect as closed:
                received.append(closed.code)
            except TimeoutError:
                pass
    return received


@pytest.mark.parametrize(("name", "case"), SUBSCRIPTION_CASES, ids=[n for n, _ in SUBSCRIPTION_CASES])
async def test_subscriptions_without_credentials_are_refused_before_ack(app, runtime, world, name, case):
    grant = await _token(runtime, world.a, world.a.owner)

    anonymous = await _subscribe(app, {}, case.document, wait=1)
    wrong_tenant = await _subscribe(app, auth_headers(grant.access_token, world.b.tenant_id), case.document, wait=1)

    assert anonymous == [4403] and wrong_tenant == [4403]


@pytest.mark.parametrize(("name", "case"), SUBSCRIPTION_CASES, ids=[n for n, _ in SUBSCRIPTION_CASES])
async def test_subscriptions_need_the_permission(app, runtime, world, name, case):
    grant = await _token(runtime, world.a, world.a.auditor)

    messages = await _subscribe(app, auth_headers(grant), case.document, wait=2)

    assert messages[0]["type"] == "connection_ack"
    assert messages[1]["type"] == "error"
    assert messages[1]["payload"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_subscriber_of_tenant_a_never_receives_tenant_b_events(app, db, runtime, world):
    grant = await _token(runtime, world.a, world.a.owner)

    async def change_b_then_a():
        for side in (world.b, world.a):
            async with db.transaction(tenant_id=side.tenant.tenant_id) as tx:
                from domain.incidents.service import comment
                await comment(tx, incident_id=uuid.UUID(side.incident_id), body=f"note for {side.tenant.slug}",
                              actor="matrix")

    messages = await _subscribe(app, auth_headers(grant), SUBSCRIPTIONS["incidentChanged"].document,
                                then=change_b_then_a, wait=3)

    events = [m for m in messages if isinstance(m, dict) and m.get("type") == "next"]
    assert [e["payload"]["data"]["incidentChanged"]["incident"]["id"] for e in events] == [world.a.incident_id]
    assert all(secret not in str(messages) for secret in world.b.secrets)


# ---------------------------------------------------------------- HTTP routes

INGEST = "ingest"  # bearer token with ingest.write, or an ingest-only key
ROUTES = {
    "/": PUBLIC, "/healthz": PUBLIC, "/readyz": PUBLIC, "/graphql": "graphql", "/api/auth/token": PUBLIC,
    "/api/auth/revoke": PUBLIC, "/.well-known/jwks.json": PUBLIC, "/static": PUBLIC, "/console": "console",
    "/api/ingest/events": INGEST, "/v1/logs": INGEST, "/v1/metrics": INGEST, "/v1/traces": INGEST,
    "/metrics": "metrics token",  # no tenant data: process metrics, behind ATLAS_METRICS_TOKEN when set
    # on-call and paging: a sealed link token or a feed secret is the credential
    "/page/{incident_id}/{action}": PUBLIC, "/calendar/{tenant_id}/{schedule_id}/{token}.ics": PUBLIC,
    "/calendar/{tenant_id}/people/{user_id}/{token}.ics": PUBLIC,
    # automation
    "/api/automation/schema.json": PUBLIC, "/api/agent/jobs": "agent", "/api/agent/jobs/{job_id}/heartbeat": "agent",
    "/api/agent/jobs/{job_id}/result": "agent", "/api/automation/hooks/{tenant_id}/{workflow_id}": "signed",
    # billing (issue 16): signed by Razorpay; a bearer token checked by the route itself
    "/api/webhooks/razorpay": "razorpay-signature", "/api/entitlements/refresh": "bearer",
    # drop-in alert endpoints and heartbeats: an integration key names the tenant (tests/rest/test_integrations.py)
    "/api/integrations/pagerduty/enqueue": "integration key",
    "/api/integrations/pagerduty/v2/enqueue": "integration key",
    "/api/integrations/alertmanager": "integration key", "/api/integrations/opsgenie/v2/alerts": "integration key",
    "/api/integrations/opsgenie/v2/alerts/{identifier}/close": "integration key",
    "/api/integrations/opsgenie/v2/alerts/{identifier}/acknowledge": "integration key",
    "/api/heartbeats/{name}/ping": "integration key",
    # MCP for AI agents: a bearer token or client API key; tools run as GraphQL operations with the caller's
    # permissions, tenant isolation in tests/rest/test_mcp_server.py
    "/mcp": "bearer",
    # tenant planes (issue 25): a plane's own credential, never a tenant's (tests/rest/test_plane_heartbeat.py)
    "/api/planes/heartbeat": "plane credential",
    "/api/auth/signin-code": "plane credential",
    "/api/plane/deliveries": "signed by the control plane",
}
INGEST_ROUTES = sorted(path for path, kind in ROUTES.items() if kind == INGEST)


@pytest.mark.parametrize("path", INGEST_ROUTES)
async def test_ingest_routes_refuse_missing_credentials_wrong_tenants_and_other_roles(client, runtime, world, path):
    owner = await _token(runtime, world.a, world.a.owner)
    auditor = await _token(runtime, world.a, world.a.auditor)
    body = {"events": [{"source": "matrix", "title": "should not be stored"}]}

    anonymous = await client.post(path, json=body)
    wrong_tenant = await client.post(path, json=body, headers=auth_headers(owner.access_token, world.b.tenant_id))
    no_permission = await client.post(path, json=body, headers=auth_headers(auditor))
    for response in (anonymous, wrong_tenant, no_permission):
        assert "should not" not in response.text

    assert (anonymous.status_code, wrong_tenant.status_code, no_permission.status_code) == (401, 403, 403)


def test_every_route_is_classified(app):
    paths = {route.path for route in app.routes}

    assert paths == set(ROUTES), f"unclassified routes: {paths - set(ROUTES)}; stale rows: {set(ROUTES) - paths}"


# ---------------------------------------------------------------- automation: the agent routes

async def test_agent_routes_take_only_an_agent_key_and_never_hand_out_another_tenants_steps(client, runtime, world):
    from domain.automation.agents import register_agent

    owner = await _token(runtime, world.a, world.a.owner)
    async with runtime.db.transaction(tenant_id=world.a.tenant.tenant_id) as tx:
        _, key_a = await register_agent(tx, name=f"probe-{uuid.uuid4().hex[:6]}", labels=[], actor="mx")

    with_token = await client.get("/api/agent/jobs", headers=auth_headers(owner))
    with_a_key = await client.get("/api/agent/jobs", headers={"X-Agent-Key": key_a})
    on_b_run = await client.post(f"/api/agent/jobs/{world.b.run_id}/result", headers={"X-Agent-Key": key_a},
                                 json={"attempt": 1, "exit_code": 0})

    assert (with_token.status_code, with_a_key.status_code, on_b_run.status_code) == (401, 204, 404)
