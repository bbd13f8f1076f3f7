"""AI and knowledge jobs in a real arq worker: indexing after an edit, credit grants once per period."""

from sqlalchemy import select

from domain.ai.queries import usage
from domain.knowledge.articles import create_article, update_article
from domain.knowledge.models import KnowledgeChunk


async def test_an_edited_article_is_re_indexed_by_the_worker(runtime, db, make_tenant, forget_earlier_jobs,
                                                             run_burst_worker):
    # given an article saved twice (each save requests indexing through the outbox)
    tenant = await make_tenant(plan="pro")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        article = await create_article(tx, title="Disk full", body="Rotate the WAL archive.", tags=[], actor="o")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        await update_article(tx, article_id=article.id, title="Disk full", body="Rotate logs.\n\nThen vacuum.",
                             tags=[], expected_version=1, actor="o")

    # when the worker runs
    worker = await run_burst_worker()

    # then the chunks hold the latest text, embedded by the local embedder
    assert worker.jobs_failed == 0
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        chunks = list(await tx.session.scalars(select(KnowledgeChunk).order_by(KnowledgeChunk.ordinal)))
    assert [c.content for c in chunks] == ["Rotate logs.\n\nThen vacuum."]
    assert chunks[0].embedding_model == "local:hash-384" and chunks[0].dimensions == 384


async def test_credits_renewed_grants_once_per_period_and_defaults_to_the_plan(runtime, db, make_tenant,
                                                                             forget_earlier_jobs, run_burst_worker):
    tenant = await make_tenant(plan="pro")
    for _ in range(2):
        await runtime.redis.enqueue_job("ai_credits_renewed", tenant_id=str(tenant.tenant_id),
                                        period_key="sub_1:2026-12")
    first = await run_burst_worker()
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        granted = await usage(tx)
    await runtime.redis.enqueue_job("ai_credits_renewed", tenant_id=str(tenant.tenant_id), period_key="sub_1:2027-01",
                                    credits_granted=777)
    worker = await run_burst_worker()

    assert first.jobs_failed == worker.jobs_failed == 0
    assert (granted.balance, granted.ledger_sum, granted.period_key) == (5_000, 5_000, "sub_1:2026-12")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        state = await usage(tx)
    assert (state.balance, state.ledger_sum, state.period_key) == (777, 777, "sub_1:2027-01")


async def test_a_resolved_incident_with_its_postmortem_becomes_searchable(runtime, db, make_tenant):
    from domain.incidents.postmortems import PostmortemEdit, edit_postmortem
    from domain.incidents.service import NewIncident, create_incident, transition_incident
    from domain.knowledge.search import search
    from workers.jobs.knowledge import index_resolved_incidents

    # given a resolved incident with a postmortem, and one still open
    tenant = await make_tenant(plan="pro")
    async with db.transaction(tenant_id=tenant.tenant_id) as tx:
        done = await create_incident(tx, new=NewIncident(title="Checkout 502s", severity="SEV2"), actor="o")
        await create_incident(tx, new=NewIncident(title="Checkout still open", severity="SEV3"), actor="o")
        await transition_incident(tx, incident_id=done.id, to="resolved", actor="o")
        await edit_postmortem(tx, incident_id=done.id, actor="o", edit=PostmortemEdit(
            summary="A bad nginx upstream config.", root_cause="The upstream pool pointed at drained hosts."))

    # when the sweep runs twice
    first = await index_resolved_incidents({"runtime": runtime}, tenant_id=str(tenant.tenant_id))
    second = await index_resolved_incidents({"runtime": runtime}, tenant_id=str(tenant.tenant_id))
    hits = await search(gateway=runtime.ai, db=db, tenant_id=tenant.tenant_id, actor="a",
                        query="nginx upstream drained", sources=["incident"])

    # then the resolved one is indexed once and found, with a link to the incident
    assert (first, second) == (1, 0)
    assert [(h.title, h.link) for h in hits] == [("Checkout 502s", f"/console/incidents/{done.id}")]
