"""The permission catalog and the built-in roles: one list in code that guards and console read."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Permission:
    """One permission: ``<area>.<verb>`` and what it allows."""

    name: str
    description: str

    @property
    def area(self) -> str:
        return self.name.split(".", 1)[0]


PERMISSIONS: tuple[Permission, ...] = (
    Permission("tenant.admin", "Change tenant settings and revoke every session of the tenant"),
    Permission("billing.manage", "Change the plan and payment details"),
    Permission("member.read", "See members, their roles and the role definitions"),
    Permission("member.manage", "Invite members, change their roles, remove them"),
    Permission("role.manage", "Define custom roles"),
    Permission("apikey.manage", "Create, list and revoke API keys"),
    Permission("audit.read", "Read the audit log"),
    Permission("incident.read", "See incidents and their timelines"),
    Permission("incident.write", "Create, update, assign and transition incidents"),
    Permission("change.read", "See change requests"),
    Permission("change.write", "Create and update change requests"),
    Permission("change.approve", "Approve or reject changes as a CAB member"),
    Permission("catalog.read", "See the service catalog and SLAs"),
    Permission("catalog.manage", "Manage the service catalog and SLA definitions"),
    Permission("telemetry.read", "Query events, logs, metrics and traces"),
    Permission("ingest.write", "Send events, logs, metrics and traces"),
    Permission("alert.read", "See alert rules, silences and alerts"),
    Permission("alert.manage", "Create and change alert rules and maintenance windows"),
    Permission("cmdb.read", "See configuration items, relationships and impact"),
    Permission("cmdb.write", "Create and change configuration items and relationships"),
    Permission("ai.use", "Use RCA, the copilot and AI analytics"),
    Permission("knowledge.read", "Search the knowledge base and read its articles"),
    Permission("knowledge.write", "Write, edit and delete knowledge-base articles"),
    Permission("ai.admin", "Approve AI models and manage AI settings"),
    Permission("automation.read", "See runbooks, workflows and jobs"),
    Permission("automation.run", "Run runbooks and workflows, approve job steps"),
    Permission("automation.manage", "Create and change runbooks and workflows"),
)
PERMISSION_NAMES: frozenset[str] = frozenset(p.name for p in PERMISSIONS)
PLATFORM_ADMIN = "platform.admin"  # not a tenant permission: held by platform operators only

_READ = frozenset(p.name for p in PERMISSIONS if p.name.endswith(".read"))


@dataclass(frozen=True)
class BuiltInRole:
    """A role every tenant has; it cannot be changed or deleted."""

    name: str
    description: str
    permissions: frozenset[str]


BUILT_IN_ROLES: dict[str, BuiltInRole] = {
    role.name: role
    for role in (
        BuiltInRole("owner", "Everything, including billing and the last word on admins", PERMISSION_NAMES),
        BuiltInRole("admin", "Everything except billing", PERMISSION_NAMES - {"billing.manage"}),
        BuiltInRole("responder", "SRE on call: works incidents, runs automation, uses AI", _READ | {
            "incident.write", "change.write", "cmdb.write", "ai.use", "automation.run", "alert.manage",
            "knowledge.write",
        }),
        BuiltInRole("change-manager", "CAB member: reviews and approves changes", _READ | {
            "change.write", "change.approve", "catalog.manage",
        }),
        BuiltInRole("viewer", "Read-only access to operational data", _READ - {"audit.read"}),
        BuiltInRole("agent", "Machine identity for edge agents and collectors: ingest only", frozenset({
            "ingest.write",
        })),
    )
}
