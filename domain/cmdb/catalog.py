"""The built-in CI classes and relationship types, and the rules that tie them together.

Classes form a hierarchy; a tenant class names a parent and inherits its attribute schema and the
relationships its ancestors may take part in. Each relationship type says which classes it may
join, whether cycles of it make sense, and which way a failure travels along it (``impact``):
``up`` means the source is hurt when the target fails (``checkout depends_on payments``), ``down``
means the target is hurt when the source fails (``pod-1 part_of checkout``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ENVIRONMENTS = ("production", "staging", "development", "test", "dr")
LIFECYCLE = ("planned", "active", "maintenance", "retired")
SOURCES = ("manual", "import", "discovered")


def _object(**properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


_TEXT = {"type": "string", "maxLength": 500}
_PORT = {"type": "integer", "minimum": 1, "maximum": 65535}
_IP = {"type": "string", "anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]}
_PERCENT = {"type": "number", "minimum": 0, "maximum": 100}


@dataclass(frozen=True)
class CiClass:
    """A kind of configuration item with the JSON schema its attributes must satisfy."""

    key: str
    label: str
    parent: str | None
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "object"})
    builtin: bool = True


BUILTIN_CLASSES: dict[str, CiClass] = {c.key: c for c in (
    CiClass("business_service", "Business service", None, _object(
        criticality={"enum": ["critical", "high", "medium", "low"]}, sla_target=_PERCENT, description=_TEXT)),
    CiClass("customer", "Customer", None, _object(segment=_TEXT, contract=_TEXT, sla_target=_PERCENT)),
    CiClass("application_service", "Application service", None, _object(
        language=_TEXT, repository=_TEXT, tier={"enum": ["frontend", "backend", "data", "platform"]})),
    CiClass("service_instance", "Service instance", None, _object(version=_TEXT, port=_PORT)),
    CiClass("host", "Host", None, _object(os=_TEXT, ip=_IP, cpus={"type": "integer", "minimum": 1},
                                          memory_gb={"type": "number", "minimum": 0})),
    CiClass("virtual_machine", "Virtual machine", "host", _object(hypervisor=_TEXT, instance_type=_TEXT)),
    CiClass("container", "Container / pod", None, _object(image=_TEXT, namespace=_TEXT, node=_TEXT)),
    CiClass("kubernetes_cluster", "Kubernetes cluster", None, _object(version=_TEXT, provider=_TEXT)),
    CiClass("database", "Database", None, _object(engine=_TEXT, version=_TEXT, port=_PORT)),
    CiClass("load_balancer", "Load balancer", None, _object(vip=_IP, scheme={"enum": ["internal", "external"]})),
    CiClass("network_device", "Network device", None, _object(vendor=_TEXT, model=_TEXT, ip=_IP)),
    CiClass("cloud_resource", "Cloud resource", None, _object(
        provider={"enum": ["aws", "gcp", "azure", "other"]}, resource_type=_TEXT, region=_TEXT, arn=_TEXT)),
)}

_SERVICES = ("business_service", "application_service", "service_instance")
_RUNNABLE = ("application_service", "service_instance", "database", "load_balancer")
_INFRA = ("host", "container", "kubernetes_cluster", "cloud_resource")


@dataclass(frozen=True)
class RelationshipType:
    """A typed, directional relationship and the classes (or their descendants) it may join."""

    key: str
    label: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    impact: str  # "up": a failing target hurts the source; "down": a failing source hurts the target
    allows_cycles: bool


RELATIONSHIP_TYPES: dict[str, RelationshipType] = {t.key: t for t in (
    RelationshipType("depends_on", "depends on", ("customer", *_SERVICES),
                     (*_SERVICES, "database", "load_balancer", "cloud_resource"), "up", True),
    RelationshipType("runs_on", "runs on", (*_RUNNABLE, "container"), _INFRA, "up", False),
    RelationshipType("hosted_on", "is hosted on", ("host", "container", "database", "network_device"),
                     ("host", "kubernetes_cluster", "cloud_resource"), "up", False),
    RelationshipType("connects_to", "connects to", ("load_balancer", "network_device", "host", *_SERVICES),
                     ("load_balancer", "network_device", "host", "database", *_SERVICES), "up", True),
    RelationshipType("part_of", "is part of", ("service_instance", "application_service", "database", "container"),
                     ("application_service", "business_service", "kubernetes_cluster"), "down", False),
    RelationshipType("member_of", "is a member of", ("host", "container", "network_device", "database",
                                                     "service_instance"),
                     ("kubernetes_cluster", "load_balancer", "cloud_resource"), "down", False),
)}

IMPACT_UP = tuple(key for key, t in RELATIONSHIP_TYPES.items() if t.impact == "up")
IMPACT_DOWN = tuple(key for key, t in RELATIONSHIP_TYPES.items() if t.impact == "down")
BUSINESS_CLASSES = ("business_service", "customer")
