"""Property test: random transition sequences keep the stored incident equal to a simple model."""


import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import select

from domain.incidents.lifecycle import TRANSITIONS, IllegalTransition
from domain.incidents.models import Incident, TimelineEntry
from domain.incidents.service import NewIncident, create_incident, transition_incident

STATUSES = list(TRANSITIONS)


def test_random_transition_sequences_match_the_model(db, make_tenant, event_loop_runner):
    tenant = event_loop_runner(make_tenant())

    class IncidentLifecycle(RuleBasedStateMachine):
        """Drives one incident through random requested states, legal or not."""

        @initialize()
        def open_incident(self):
            async def go():
                async with db.transaction(tenant_id=tenant.tenant_id) as tx:
                    return (await create_incident(tx, new=NewIncident(title="model", severity="SEV3"), actor="h")).id
            self.incident_id = event_loop_runner(go())
            self.model_status = "triggered"
            self.model_changes = ["created"]

        @rule(to=st.sampled_from(STATUSES))
        def request(self, to):
            async def go():
                async with db.transaction(tenant_id=tenant.tenant_id) as tx:
                    await transition_incident(tx, incident_id=self.incident_id, to=to, actor="h")
            legal = to in TRANSITIONS[self.model_status]
            try:
                event_loop_runner(go())
                assert legal, f"{self.model_status} -> {to} was accepted"
                self.model_changes.append(f"{self.model_status}->{to}")
                self.model_status = to
            except IllegalTransition as refused:
                assert not legal, f"{self.model_status} -> {to} was refused"
                assert refused.current == self.model_status

        @invariant()
        def stored_state_equals_model(self):
            async def go():
                async with db.transaction(tenant_id=tenant.tenant_id) as tx:
                    incident = await tx.session.get(Incident, self.incident_id)
                    entries = list(await tx.session.scalars(select(TimelineEntry).where(
                        TimelineEntry.incident_id == self.incident_id).order_by(TimelineEntry.stream_seq)))
                    return incident.status, incident.version, entries
            status, version, entries = event_loop_runner(go())
            timeline = ["created" if e.kind == "created" else f"{e.data['from']}->{e.data['to']}" for e in entries]
            assert status == self.model_status
            assert timeline == self.model_changes
            assert version == len(self.model_changes)

    IncidentLifecycle.TestCase.settings = settings(max_examples=25, stateful_step_count=12, deadline=None,
                                                   suppress_health_check=list(HealthCheck))
    IncidentLifecycle.TestCase().runTest()
