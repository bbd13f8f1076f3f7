"""On-call import time: a PagerDuty export of 50 schedules and 200 users (the issue's figure).

Ours: `import_setup` in one tenant-bound transaction from the parsed export: read it into a plan, match
200 people by email, validate and create 50 schedules (two layers each, restrictions, two overrides),
50 escalation policies, 50 service policies, the import records and the audit event. Peer: the physical
floor, the same final rows (schedules with their layers, overrides, policies, service policies, import
records) written with plain multi-row INSERT statements through the same app role and tenant binding: no
parsing, matching or validation. Both write into a fresh tenant (with its 200 members already there)
each round, alternating, after a warm-up; medians are compared. A re-run (idempotent update) and a dry
run are timed apart. Goal: well under two seconds for the whole setup (an import is run by hand, once).
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid

from harness import live_servers, report

from atlas.runtime import Runtime
from domain.auth.principals import user_principal
from domain.members.models import Membership, User
from domain.oncall.imports.service import import_setup
from domain.tenants.service import provision_tenant
from domain.uow import fetch_sql

SCHEDULES, USERS, ROUNDS = 50, 200, 3
TABLES = {  # table: the columns our import wrote that the peer writes again
    "oncall_schedules": "id, name, time_zone, layers::text",
    "oncall_overrides": "schedule_id, user_id, starts_at, ends_at",
    "escalation_policies": "id, name, repeat, levels::text",
    "service_escalation_policies": "service, policy_id",
    "import_records": "source, kind, external_id, target, imported_at",
}
MONDAY_9, MONDAY_10 = "2026-11-02T09:00:00-05:00", "2026-11-02T10:00:00-05:00"


def export(emails: list[str]) -> dict:
    """A PagerDuty export shaped like its API responses: 200 users, 50 two-layer schedules, 50 policies."""
    users = [{"id": f"PU{i:04d}", "type": "user", "name": f"Person {i}", "email": email}
             for i, email in enumerate(emails)]
    schedules, overrides, policies, services = [], {}, [], []
    for s in range(SCHEDULES):
        crew = [users[(s * 4 + k) % USERS]["id"] for k in range(8)]
        schedules.append({"schedule": {"id": f"PS{s:04d}", "name": f"Schedule {s}", "time_zone": "America/New_York",
                                       "schedule_layers": [
            {"id": f"PL{s}b", "start": MONDAY_9, "rotation_virtual_start": MONDAY_9,
             "rotation_turn_length_seconds": 86400, "users": [{"user": {"id": u}} for u in crew[4:]],
             "restrictions": [{"type": "weekly_restriction", "start_time_of_day": "09:00:00",
                               "duration_seconds": 28800, "start_day_of_week": d} for d in range(1, 6)]},
            {"id": f"PL{s}a", "start": MONDAY_10, "rotation_virtual_start": MONDAY_10,
             "rotation_turn_length_seconds": 604800, "users": [{"user": {"id": u}} for u in crew[:4]],
             "restrictions": []}]}})
        overrides[f"PS{s:04d}"] = {"overrides": [
            {"id": f"PO{s}-{k}", "start": f"2027-0{k + 2}-10T09:00:00-05:00", "end": f"2027-0{k + 2}-11T09:00:00-05:00",
             "user": {"id": crew[k]}} for k in range(2)]}
        policies.append({"id": f"PE{s:04d}", "name": f"Policy {s}", "num_loops": 1, "escalation_rules": [
            {"id": f"R{s}1", "escalation_delay_in_minutes": 15, "targets": [{"id": f"PS{s:04d}",
                                                                             "type": "schedule_reference"}]},
            {"id": f"R{s}2", "escalation_delay_in_minutes": 30, "targets": [{"id": crew[0],
                                                                             "type": "user_reference"}]}]})
        services.append({"id": f"PV{s:04d}", "name": f"service-{s}", "escalation_policy": {"id": f"PE{s:04d}"}})
    return {"users": {"users": users}, "teams": {"teams": [{"id": "PT1", "name": "ops"}]}, "schedules": schedules,
            "overrides": overrides, "escalation_policies": {"escalation_policies": policies},
            "services": {"services": services}}


async def new_tenant(runtime: Runtime) -> tuple[object, list[str]]:
    slug = f"ocimport-{uuid.uuid4().hex[:8]}"
    async with runtime.db.transaction(tenant_id=None) as tx:
        made = await provision_tenant(tx, name="On-call import bench", slug=slug,
                                      admin_email=f"owner@{slug}.example.com", admin_password="bench-password",
                                      plan="enterprise")
        await tx.enter_tenant(made.tenant_id)
        emails = [f"person{i}@{slug}.example.com" for i in range(USERS)]
        people = [User(email=email, display_name=email.split("@")[0]) for email in emails]
        tx.session.add_all(people)
        await tx.session.flush()
        tx.session.add_all(Membership(tenant_id=made.tenant_id, user_id=p.id, roles=["responder"]) for p in people)
    return made, emails


async def ours(runtime: Runtime, tenant, document: dict, *, dry_run: bool = False) -> float:
    began = time.perf_counter()
    async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        owner = await user_principal(tx, user_id=tenant.admin_user_id, entitlements={})
        result = await import_setup(tx, source="pagerduty", document=document, dry_run=dry_run, actor=owner)
    elapsed = time.perf_counter() - began
    assert len(result.matched_users) == USERS, result.matched_users
    made = {**result.created, **result.updated}
    assert len(made["schedules"]) == SCHEDULES and len(made["escalation_policies"]) == SCHEDULES, made
    return elapsed


async def written_rows(runtime: Runtime, tenant) -> dict[str, list[tuple]]:
    """The rows our import wrote, to be written again by the peer."""
    async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        return {table: [tuple(r) for r in await fetch_sql(tx.session, f"SELECT {columns} FROM {table}")]
                for table, columns in TABLES.items()}


def columns(rows: list[tuple]) -> list[list]:
    return [list(column) for column in zip(*rows, strict=True)]


async def peer(runtime: Runtime, tenant, rows: dict[str, list[tuple]]) -> float:
    """The same rows (new ids, references re-pointed) by one INSERT ... SELECT FROM unnest(...) per table."""
    schedules = {old: uuid.uuid4() for old, *_ in rows["oncall_schedules"]}
    policies = {old: uuid.uuid4() for old, *_ in rows["escalation_policies"]}
    began = time.perf_counter()
    async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        t, s = tenant.tenant_id, tx.session
        _, names, zones, layers = columns(rows["oncall_schedules"])
        await fetch_sql(s, "INSERT INTO oncall_schedules (tenant_id, id, name, time_zone, layers, feed_token) "
                        "SELECT $1, i, n, z, l::jsonb, f FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], "
                        "$6::text[]) AS r(i, n, z, l, f)", t, list(schedules.values()), names, zones, layers,
                        [uuid.uuid4().hex for _ in names])
        on, users, starts, ends = columns(rows["oncall_overrides"])
        await fetch_sql(s, "INSERT INTO oncall_overrides (tenant_id, id, schedule_id, user_id, starts_at, ends_at) "
                        "SELECT $1, gen_random_uuid(), o, u, a, b FROM unnest($2::uuid[], $3::uuid[], "
                        "$4::timestamptz[], $5::timestamptz[]) AS r(o, u, a, b)", t, [schedules[o] for o in on], users,
                        starts, ends)
        _, names, repeats, levels = columns(rows["escalation_policies"])
        await fetch_sql(s, "INSERT INTO escalation_policies (tenant_id, id, name, repeat, levels) "
                        "SELECT $1, i, n, k, l::jsonb FROM unnest($2::uuid[], $3::text[], $4::int[], $5::text[]) "
                        "AS r(i, n, k, l)", t, list(policies.values()), names, repeats, levels)
        services, chosen = columns(rows["service_escalation_policies"])
        await fetch_sql(s, "INSERT INTO service_escalation_policies (tenant_id, service, policy_id) "
                        "SELECT $1, v, p FROM unnest($2::text[], $3::uuid[]) AS r(v, p)", t, services,
                        [policies[p] for p in chosen])
        sources, kinds, externals, targets, at = columns(rows["import_records"])
        await fetch_sql(s, "INSERT INTO import_records (tenant_id, id, source, kind, external_id, target, "
                        "imported_at) SELECT $1, gen_random_uuid(), a, b, c, d, e FROM unnest($2::text[], $3::text[], "
                        "$4::text[], $5::text[], $6::timestamptz[]) AS r(a, b, c, d, e)", t, sources, kinds, externals,
                        targets, at)
    return time.perf_counter() - began


async def peer_fresh(runtime: Runtime, rows) -> float:
    tenant, _ = await new_tenant(runtime)
    return await peer(runtime, tenant, rows)


async def measure(settings) -> dict:
    runtime = await Runtime.open(settings)
    tenant, emails = await new_tenant(runtime)
    await ours(runtime, tenant, export(emails))  # warm-up, and the rows the peer writes
    rows = await written_rows(runtime, tenant)
    rerun = await ours(runtime, tenant, export(emails))
    await peer_fresh(runtime, rows)
    ours_times, peer_times, dry_times = [], [], []
    for index in range(ROUNDS):
        fresh, fresh_emails = await new_tenant(runtime)
        document = export(fresh_emails)
        dry_times.append(await ours(runtime, fresh, document, dry_run=True))
        runs = [(ours_times, lambda f=fresh, d=document: ours(runtime, f, d)),
                (peer_times, lambda: peer_fresh(runtime, rows))]
        for bucket, run in runs if index % 2 == 0 else runs[::-1]:
            bucket.append(await run())
    await runtime.close()
    return {"ours": ours_times, "peer": peer_times, "dry": dry_times, "rerun": rerun}


def main() -> None:
    with live_servers() as settings:
        measured = asyncio.run(measure(settings))
    ours_s, peer_s = statistics.median(measured["ours"]), statistics.median(measured["peer"])
    print(f"import of {SCHEDULES} schedules and {USERS} users: ours {ours_s:.3f} s, plain insert {peer_s:.4f} s; "
          f"dry run {statistics.median(measured['dry']):.3f} s; re-run (update) {measured['rerun']:.3f} s")
    report(bench="oncall_import", metric=f"on-call import time, PagerDuty export of {SCHEDULES} schedules and "
           f"{USERS} users", unit="s", ours=ours_s, peer=peer_s, better="lower",
           peer_is="plain INSERT ... SELECT FROM unnest of the same final rows (no parsing, matching or validation), "
           "same app role", dry_run_s=round(statistics.median(measured["dry"]), 3), rerun_s=round(measured["rerun"], 3),
           rounds=ROUNDS)


if __name__ == "__main__":
    main()
