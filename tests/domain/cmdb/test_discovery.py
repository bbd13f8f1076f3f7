"""Discovery from real OTLP spans: services, hosts, pods and clusters become CIs; calls become
depends_on; CIs not seen for a day are flagged stale, never deleted; manual CIs keep their fields."""

import os
import time
from datetime import timedelta

from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.resource.v1 import resource_pb2
from opentelemetry.proto.trace.v1 import trace_pb2
from sqlalchemy import select

from domain import clock
from domain.cmdb.discovery import discover
from domain.cmdb.models import CiChange, CiRelationship, CmdbGraphVersion, ConfigurationItem
from domain.cmdb.service import CiDraft, create_ci
from tests.rest.test_ingest import _key


def _attributes(values: dict[str, str]) -> list:
    return [common_pb2.KeyValue(key=k, value=common_pb2.AnyValue(string_value=v)) for k, v in values.items()]


def _trace(calls: list[tuple[str, dict[str, str]]], span_attributes: dict[str, str] | None = None) -> bytes:
    """One trace: each service's span is the child of the previous one's."""
    trace_id, parent, now = os.urandom(16), b"", time.time_ns()
    resource_spans = []
    for index, (service, resource) in enumerate(calls):
        span_id = os.urandom(8)
        span = trace_pb2.Span(trace_id=trace_id, span_id=span_id, parent_span_id=parent, name=f"{service} call",
                              kind=trace_pb2.Span.SPAN_KIND_SERVER, start_time_unix_nano=now + index * 1000,
                              end_time_unix_nano=now + 5_000_000, attributes=_attributes(span_attributes or {}))
        resource_spans.append(trace_pb2.ResourceSpans(
            resource=resource_pb2.Resource(attributes=_attributes({"service.name": service, **resource})),
            scope_spans=[trace_pb2.ScopeSpans(spans=[span])]))
        parent = span_id
    return trace_service_pb2.ExportTraceServiceRequest(resource_spans=resource_spans).SerializeToString()


async def _send(client, db, tenant, calls, span_attributes=None):
    key = str((await _key(db, tenant)).credential)
    response = await client.post("/v1/traces", content=_trace(calls, span_attributes),
                                 headers={"Content-Type": "application/x-protobuf", "X-Api-Key": key})
    assert response.status_code == 200


async def _graph_version(db, tenant) -> int:
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        return await tx.session.scalar(select(CmdbGraphVersion.version))


async def _graph(db, tenant):
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        cis = {ci.id: ci for ci in await tx.session.scalars(select(ConfigurationItem))}
        rels = {(cis[r.source_id].name, r.type, cis[r.target_id].name, r.origin)
                for r in await tx.session.scalars(select(CiRelationship))}
    return {(ci.class_key, ci.name, ci.source) for ci in cis.values()}, rels


async def test_spans_and_their_resources_become_cis_and_relationships(client, db, make_tenant):
    tenant = await make_tenant()
    await _send(client, db, tenant, [
        ("web", {"host.name": "web-1", "deployment.environment": "staging"}),
        ("checkout", {"k8s.pod.name": "checkout-7f9c", "k8s.cluster.name": "prod-eu", "k8s.namespace.name": "shop"}),
        ("payments", {"host.name": "pay-1"})])

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        result = await discover(tx)

    cis, rels = await _graph(db, tenant)
    assert cis == {("application_service", "web", "discovered"), ("application_service", "checkout", "discovered"),
                   ("application_service", "payments", "discovered"), ("host", "web-1", "discovered"),
                   ("host", "pay-1", "discovered"), ("container", "checkout-7f9c", "discovered"),
                   ("kubernetes_cluster", "prod-eu", "discovered")}
    assert rels == {("web", "depends_on", "checkout", "discovered"), ("checkout", "depends_on", "payments", "discovered"),
                    ("web", "runs_on", "web-1", "discovered"), ("payments", "runs_on", "pay-1", "discovered"),
                    ("checkout", "runs_on", "checkout-7f9c", "discovered"),
                    ("checkout-7f9c", "hosted_on", "prod-eu", "discovered")}
    assert (result.created, result.relationships_created) == (7, 6)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        web = await tx.session.scalar(select(ConfigurationItem).where(ConfigurationItem.name == "web"))
        pod = await tx.session.scalar(select(ConfigurationItem).where(ConfigurationItem.name == "checkout-7f9c"))
    assert web.environment == "staging" and web.last_seen_at is not None
    assert pod.attributes == {"namespace": "shop"}


async def test_a_host_named_only_in_span_attributes_is_discovered_and_the_service_runs_on_it(client, db,
                                                                                            make_tenant):
    tenant = await make_tenant()
    await _send(client, db, tenant, [("ledger", {})], span_attributes={"host.name": "ledger-vm-3", "http.route": "/"})

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        result = await discover(tx)

    cis, rels = await _graph(db, tenant)
    assert cis == {("application_service", "ledger", "discovered"), ("host", "ledger-vm-3", "discovered")}
    assert rels == {("ledger", "runs_on", "ledger-vm-3", "discovered")}
    assert (result.created, result.relationships_created) == (2, 1)


async def test_a_second_pass_changes_nothing_but_last_seen(client, db, make_tenant):
    tenant = await make_tenant()
    await _send(client, db, tenant, [("web", {}), ("search", {})])
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await discover(tx)
    graph_version = await _graph_version(db, tenant)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        again = await discover(tx)
        history = await tx.session.scalar(select(CiChange.id).where(CiChange.action == "seen_again"))
    assert (again.created, again.seen, again.relationships_created) == (0, 2, 0)
    assert history is None
    assert await _graph_version(db, tenant) == graph_version  # impact's graph copies stay valid


async def test_manual_cis_keep_their_fields_and_unseen_discovered_cis_are_flagged_stale(client, db, make_tenant):
    tenant = await make_tenant()
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await create_ci(tx, draft=CiDraft(class_key="application_service", name="Checkout", owner_team="payments",
                                          description="Takes the money"), actor="alice")
    await _send(client, db, tenant, [("web", {}), ("checkout", {})])
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await discover(tx)
    later = clock.now() + timedelta(days=2)
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        result = await discover(tx, now=later)

    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        rows = {ci.name: ci for ci in await tx.session.scalars(select(ConfigurationItem))}
        flagged = await tx.session.scalar(select(CiChange).where(CiChange.action == "flagged_stale"))
    assert (rows["Checkout"].source, rows["Checkout"].owner_team, rows["Checkout"].stale) == ("manual", "payments",
                                                                                              False)
    assert rows["web"].stale is True and result.flagged_stale == 1
    assert flagged.ci_id == rows["web"].id and flagged.actor == "discovery"


async def test_a_service_reporting_under_a_registered_database_name_is_that_database(client, db, make_tenant):
    tenant = await make_tenant()
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await create_ci(tx, draft=CiDraft(class_key="database", name="orders-db"), actor="alice")
    await _send(client, db, tenant, [("checkout", {}), ("orders-db", {"host.name": "db-1"})])
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await discover(tx)

    cis, rels = await _graph(db, tenant)
    assert cis == {("database", "orders-db", "manual"), ("application_service", "checkout", "discovered"),
                   ("host", "db-1", "discovered")}
    assert rels == {("checkout", "depends_on", "orders-db", "discovered"),
                    ("orders-db", "runs_on", "db-1", "discovered")}
