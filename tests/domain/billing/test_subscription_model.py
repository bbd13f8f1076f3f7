"""Property test: Razorpay events with duplicates, reordering and delays keep entitlements equal to a model."""

from datetime import UTC, datetime, timedelta

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import func, select

from domain.billing.entitlements import current_entitlements
from domain.billing.events import apply_event, parse_event
from domain.billing.models import BillingAccount, BillingEvent
from domain.billing.service import subscribe
from domain.clock import clock_at
from domain.tenants.models import Tenant
from tests.domain.billing.payloads import PERIOD, event_body, subscription_entity
from workers.jobs.billing import billing_tenant_tick

T0 = 1_800_000_000
STATUS_OF = {"subscription.authenticated": "authenticated", "subscription.activated": "active",
             "subscription.charged": "active", "subscription.pending": "pending", "subscription.halted": "halted",
             "subscription.paused": "paused", "subscription.resumed": "active", "subscription.cancelled": "cancelled",
             "subscription.completed": "completed", "subscription.updated": "active"}
PLAN_IDS = {"pro": "plan_local_pro", "enterprise": "plan_local_enterprise"}


def model_plan(status: str, plan: str, *, now: int, grace_until: int | None) -> str:
    """What the tenant may use, by the rules of the issue, written as plainly as possible."""
    if status in ("authenticated", "active", "pending"):
        return plan
    if status == "halted":
        return plan if now < grace_until else "free"
    if status == "cancelled":
        return plan if now < T0 + PERIOD else "free"
    return "free"


def test_event_sequences_keep_entitlements_equal_to_the_model(runtime, make_tenant, event_loop_runner):
    config, grace = runtime.billing, runtime.billing.grace_days * 86400

    class Subscription(RuleBasedStateMachine):
        @initialize()
        def subscribed(self):
            async def go():
                tenant = await make_tenant(plan="free")
                async with runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
                    return tenant, (await subscribe(tx, config=config, plan="pro", email=None, actor="h"))
            self.tenant, account = event_loop_runner(go())
            self.sub_id, self.now, self.seq = account.provider_subscription_id, T0 + 60, 0
            self.sent: list[tuple[str, dict]] = []
            self.model = {"status": "active", "plan": "pro", "last": 0, "grace_until": None}
            self.plan_changes, self.in_force = 1, "pro"

        def _run(self, coroutine_factory):
            async def go():
                with clock_at(datetime.fromtimestamp(self.now, UTC)):
                    async with runtime.db.transaction(tenant_id=self.tenant.tenant_id) as tx:
                        return await coroutine_factory(tx)
            return event_loop_runner(go())

        def _model_receives(self, body):
            model = self.model
            if body["created_at"] < model["last"]:
                return
            status = body["payload"]["subscription"]["entity"]["status"]
            if status == "halted" and model["status"] != "halted":
                model["grace_until"] = body["created_at"] + grace
            model.update(status=status, last=body["created_at"],
                         plan=next(p for p, pid in PLAN_IDS.items()
                                   if pid == body["payload"]["subscription"]["entity"]["plan_id"]))

        def _model_settles(self):
            plan = model_plan(self.model["status"], self.model["plan"], now=self.now,
                              grace_until=self.model["grace_until"])
            self.plan_changes += plan != self.in_force
            self.in_force = plan

        @rule(name=st.sampled_from(sorted(STATUS_OF)), plan=st.sampled_from(sorted(PLAN_IDS)),
              delay=st.integers(0, 4))
        def deliver(self, name, plan, delay):
            self.seq += 1
            body = event_body(name, created_at=T0 + self.seq * 60 - delay * 60, subscription=subscription_entity(
                self.sub_id, status=STATUS_OF[name], tenant_id=self.tenant.tenant_id, plan_id=PLAN_IDS[plan],
                current_start=T0))
            event_id = f"evt_{self.sub_id}_{self.seq}"
            self.sent.append((event_id, body))
            outcome = self._run(lambda tx: apply_event(tx, event=parse_event(body, event_id=event_id), config=config))
            assert outcome == ("stale" if body["created_at"] < self.model["last"] else "applied")
            self._model_receives(body)
            self._model_settles()

        @precondition(lambda self: self.sent)
        @rule(pick=st.integers(0, 1000))
        def redeliver(self, pick):
            event_id, body = self.sent[pick % len(self.sent)]
            outcome = self._run(lambda tx: apply_event(tx, event=parse_event(body, event_id=event_id), config=config))
            assert outcome == "duplicate"

        @rule(days=st.integers(1, 20))
        def time_passes(self, days):
            self.now += days * 86400
            event_loop_runner(self._tick())
            self._model_settles()

        async def _tick(self):
            with clock_at(datetime.fromtimestamp(self.now, UTC)):
                await billing_tenant_tick(runtime, self.tenant.tenant_id)

        @invariant()
        def entitlements_equal_the_model(self):
            async def read(tx):
                tenant = await tx.session.get(Tenant, self.tenant.tenant_id)
                account = await tx.session.scalar(select(BillingAccount))
                events = await tx.session.scalar(select(func.count()).select_from(BillingEvent))
                return (await current_entitlements(tx, tenant))["plan"], account.effective_plan, \
                    tenant.entitlements_version, events
            live, stored, version, events = self._run(read)
            assert live == stored == self.in_force
            assert version == 1 + self.plan_changes  # one bump per change of what the tenant may use
            assert events == len(self.sent)  # each event id recorded once, duplicates none

    Subscription.TestCase.settings = settings(max_examples=20, stateful_step_count=15, deadline=None,
                                              suppress_health_check=list(HealthCheck))
    Subscription.TestCase().runTest()


def test_grace_and_period_end_in_days():
    assert model_plan("halted", "pro", now=T0 + 10, grace_until=T0 + 20) == "pro"
    assert model_plan("cancelled", "pro", now=T0 + PERIOD + 1, grace_until=None) == "free"
    assert timedelta(seconds=PERIOD).days == 30
