"""The AI pipeline panel of the incident page: each step's state and output, evidence links, re-run and draft
buttons for those who may use AI, the runbook draft imported through the automation screen, a live fragment."""

from __future__ import annotations

from domain.ai.pipeline.service import run_step, step_job_id
from domain.uow import AI_QUEUE
from tests.console.html import cells, has, one, select, text, texts
from tests.domain.ai.pipeline_scenario import plant

STEPS = ("rca", "runbook", "remediation", "verification")


async def _pipeline(runtime, tenant, steps=STEPS):
    """The scripted incident (a bad change on payments) with ``steps`` of its pipeline run."""
    planted = await plant(runtime.db, tenant)
    for step in steps:
        await run_step(db=runtime.db, gateway=runtime.ai, tenant_id=tenant.tenant_id,
                       incident_id=planted.incident_id, step=step)
    return planted


async def _queued(runtime) -> list[str]:
    return [job.job_id for job in await runtime.redis.queued_jobs(queue_name=AI_QUEUE)]


async def test_the_panel_shows_each_step_with_hypotheses_evidence_plan_and_verification(owner, runtime):
    planted = await _pipeline(runtime, owner.tenant)

    page = await owner.get(f"/console/incidents/{planted.incident_id}")

    assert page.status_code == 200
    assert [text(one(page.text, f"#ai-step-{s} .ai-state")) for s in STEPS] == [
        "done", "done", "done", "waiting for a remediation"]
    first = select(page.text, "#ai-hypotheses tbody tr")[0]
    assert cells(first)[:2] == ["1", "payments"] and cells(first)[3].endswith("%")
    assert cells(first)[2].startswith(f"bad change: {planted.change_reference} Deploy payments v2.3")
    links = [(a["href"], text(a)) for a in first.select("a.evidence-link")]
    assert links == [("#evidence-metric-payments-latency_ms", "metric:payments:latency_ms"),
                     (f"#evidence-change-{planted.change_reference}", f"change:{planted.change_reference}")]
    for href, _ in links:  # each evidence link lands on its evidence
        assert has(page.text, f"dl#ai-evidence dt{href}")
    assert one(first, "td:nth-of-type(2) a")["href"] == f"/console/cmdb/{planted.ci_ids['payments']}"
    assert cells(one(page.text, "#ai-remediation tbody tr")) == [
        "Roll back the change (payments)", "rollback_change", "medium", "checkout, frontend",
        "incident_commander (not given)"]
    assert texts(page.text, "#ai-runbook .ai-runbook-steps .tag") == ["manual", "approval", "mutation", "wait",
                                                                      "condition"]
    assert text(one(page.text, "#ai-step-verification .ai-summary")).startswith("Waiting for a remediation to run")
    assert [b["value"] for b in select(page.text, ".ai-rerun input[name=step]")] == list(STEPS)
    assert texts(page.text, "#ai-draft-form button") == ["Draft update for responders", "Draft update for executives"]


async def test_the_rerun_button_queues_that_step_and_says_so(owner, runtime, forget_earlier_jobs):
    planted = await _pipeline(runtime, owner.tenant, steps=("rca",))

    page = await owner.post(f"/console/incidents/{planted.incident_id}/ai/rerun", {"step": "rca"}, htmx=True)

    assert page.status_code == 200
    assert "Root-cause analysis queued to run again." in page.text
    assert text(one(page.text, "#ai-step-rca .ai-state")) == "queued"
    assert step_job_id(planted.incident_id, "rca", 2) in await _queued(runtime)
    # a step nobody asked for yet cannot be re-run before the one it follows
    assert [b["value"] for b in select(page.text, ".ai-rerun input[name=step]")] == ["rca", "runbook"]


async def test_an_unknown_step_is_refused_and_changes_nothing(owner, runtime, forget_earlier_jobs):
    planted = await _pipeline(runtime, owner.tenant, steps=("rca",))

    page = await owner.post(f"/console/incidents/{planted.incident_id}/ai/rerun", {"step": "magic"}, htmx=True)

    assert page.status_code == 400
    assert "Unknown step 'magic'." in text(one(page.text, "#incident-ai"))
    assert text(one(page.text, "#ai-step-rca .ai-state")) == "done"
    assert step_job_id(planted.incident_id, "rca", 2) not in await _queued(runtime)


async def test_draft_update_buttons_show_the_draft_in_the_panel(owner, runtime):
    planted = await _pipeline(runtime, owner.tenant, steps=("rca",))

    page = await owner.post(f"/console/incidents/{planted.incident_id}/ai/draft", {"audience": "executives"},
                            htmx=True)

    assert page.status_code == 200
    draft = one(page.text, "#ai-draft textarea").string
    assert draft.startswith("We are working on a problem affecting frontend.")
    assert "We believe the cause is in payments [finding:rca]." in draft
    assert not has(page.text, "#ai-draft .ai-error")


async def test_the_runbook_draft_is_saved_through_the_automation_screen(owner, runtime):
    planted = await _pipeline(runtime, owner.tenant, steps=("rca", "runbook"))
    page = await owner.get(f"/console/incidents/{planted.incident_id}")
    form = one(page.text, "#ai-runbook-import")

    saved = await owner.http.post(form["action"], data={
        "csrf_token": one(form, "input[name=csrf_token]")["value"], "yaml": one(form, "textarea[name=yaml]").string})

    assert saved.status_code == 200
    assert "Runbook ai-rollback_change-payments saved as draft version 1." in saved.text


async def test_a_viewer_sees_the_panel_without_its_buttons_and_cannot_rerun(make_tenant, add_member, signed_in,
                                                                            runtime, forget_earlier_jobs):
    tenant = await make_tenant()
    viewer = await signed_in(await add_member(tenant, ["viewer"]))
    planted = await _pipeline(runtime, tenant)

    page = await viewer.get(f"/console/incidents/{planted.incident_id}")
    refused = await viewer.post(f"/console/incidents/{planted.incident_id}/ai/rerun", {"step": "rca"}, htmx=True)

    assert page.status_code == 200 and has(page.text, "#ai-hypotheses")
    assert not has(page.text, ".ai-rerun") and not has(page.text, "#ai-draft-form")
    assert not has(page.text, "#ai-runbook-import")
    assert refused.status_code == 403
    assert step_job_id(planted.incident_id, "rca", 2) not in await _queued(runtime)


async def test_a_plan_without_ai_shows_no_panel(make_tenant, signed_in, incident_api):
    tenant = await make_tenant(plan="free")
    owner = await signed_in(f"owner@{tenant.slug}.example.com")
    incident = await (await incident_api(tenant)).create()

    page = await owner.get(f"/console/incidents/{incident['id']}")

    assert page.status_code == 200 and not has(page.text, "#incident-ai")


async def test_the_panel_is_a_live_fragment(owner, runtime):
    planted = await _pipeline(runtime, owner.tenant, steps=("rca",))
    url = f"/console/incidents/{planted.incident_id}"

    page = await owner.get(url)
    fragment = await owner.http.get(url, headers={"HX-Request": "true", "HX-Target": "incident-ai"})

    assert has(page.text, '#incident-live span[hx-target="#incident-ai"][hx-trigger="sse:changed"]')
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<section id="incident-ai"')
    assert text(one(fragment.text, "#ai-step-rca .ai-state")) == "done"


async def test_a_failed_verification_shows_its_checks_and_what_was_learnt(owner, runtime):
    from datetime import timedelta

    from domain import clock
    from tests.domain.ai.test_verification import _latency_after, _pipeline_then_remediation, _step

    # given a remediation that did not bring latency back, verified, and the RCA it re-opened
    planted, run_id, finished = await _pipeline_then_remediation(runtime, runtime.db, owner.tenant)
    await _latency_after(runtime.db, owner.tenant, finished, recovered=False)
    with clock.clock_at(finished + timedelta(minutes=6)):
        await _step(runtime, owner.tenant, planted, "verification")
        await _step(runtime, owner.tenant, planted, "rca")

    page = await owner.get(f"/console/incidents/{planted.incident_id}")

    assert text(one(page.text, "#ai-step-verification .ai-state")) == "not verified"
    assert texts(page.text, "#ai-checks .tag") == ["not back"] * 3
    assert text(one(page.text, "#ai-remediation-run")).startswith("Remediation checked: rollback-payments")
    assert "Learnt: rollback_change (rollback-payments) did not help with bad change" in text(
        one(page.text, "#ai-step-verification"))
    last = select(page.text, "#ai-hypotheses tbody tr")[-1]
    assert cells(last)[1] == "payments" and "demoted: rollback_change ran" in cells(last)[2]
    assert f"#evidence-remediation-{run_id}" in [a["href"] for a in last.select("a.evidence-link")]
    assert has(page.text, f"dl#ai-evidence dt#evidence-remediation-{run_id}")
