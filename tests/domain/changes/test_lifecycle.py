"""The change state machine and the CAB rule, explored by Hypothesis: every move a person may make is in
the table, the CAB's moves are refused by hand, standard changes never see a CAB, closed is final."""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from domain.changes import cab, lifecycle
from domain.changes.models import STATES, TYPES


class ChangeMachine(RuleBasedStateMachine):
    """A change moved by hand and by CAB votes, checked against the lifecycle table."""

    def __init__(self) -> None:
        super().__init__()
        self.type, self.state, self.votes = "normal", "draft", []
        self.rule = cab.DEFAULT_RULES["normal"]

    @rule(change_type=st.sampled_from(TYPES))
    @precondition(lambda self: self.state == "draft")
    def choose_type(self, change_type):
        self.type = change_type
        self.rule = cab.DEFAULT_RULES.get(change_type, cab.CabRule(1, True))

    @rule(to=st.sampled_from(STATES))
    def move_by_hand(self, to):
        before = self.state
        try:
            lifecycle.check_manual(self.state, to, self.type)
        except lifecycle.IllegalChangeTransition as refused:
            assert refused.code == "ILLEGAL_TRANSITION"
            assert to not in lifecycle.manual_moves(before, self.type)
            return
        assert to in lifecycle.TRANSITIONS[before]
        assert (before, to) not in lifecycle.BY_CAB_ONLY
        self.state, self.votes = to, []

    @rule(decision=st.sampled_from(("approve", "reject")))
    @precondition(lambda self: self.state == "cab_review")
    def vote(self, decision):
        self.votes.append(decision)
        outcome = cab.tally(self.rule, self.votes)
        if outcome != cab.PENDING:
            assert lifecycle.allowed("cab_review", outcome, self.type)
            self.state = outcome

    @invariant()
    def state_is_known_and_standard_never_meets_the_cab(self):
        assert self.state in STATES
        assert not (self.type == "standard" and self.state in ("cab_review", "rejected"))

    @invariant()
    def closed_is_final(self):
        if self.state == "closed":
            assert lifecycle.manual_moves("closed", self.type) == ()


TestChangeMachine = ChangeMachine.TestCase
TestChangeMachine.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)


def test_an_illegal_move_names_where_the_change_may_go():
    with pytest.raises(lifecycle.IllegalChangeTransition) as refused:
        lifecycle.check_manual("draft", "approved", "normal")

    assert refused.value.message == "Cannot move a normal change from draft to approved; allowed from draft: submitted."


def test_nobody_moves_a_change_out_of_cab_review_by_hand():
    with pytest.raises(lifecycle.IllegalChangeTransition) as refused:
        lifecycle.check_manual("cab_review", "approved", "normal")

    assert "only the CAB's votes decide a change under review" in refused.value.message


def test_a_standard_change_is_pre_approved_and_skips_the_cab():
    assert lifecycle.manual_moves("assessment", "standard") == ("approved",)
    assert lifecycle.manual_moves("assessment", "normal") == ("cab_review",)
    with pytest.raises(lifecycle.IllegalChangeTransition, match="pre-approved and never goes to the CAB"):
        lifecycle.check_manual("assessment", "cab_review", "standard")


@pytest.mark.parametrize(("rule", "votes", "outcome"), [
    (cab.CabRule(2, False), ["approve"], "pending"),
    (cab.CabRule(2, False), ["approve", "approve"], "approved"),
    (cab.CabRule(2, False), ["approve", "reject"], "pending"),
    (cab.CabRule(2, False), ["approve", "reject", "reject"], "rejected"),
    (cab.CabRule(3, False), ["approve", "approve"], "pending"),
    (cab.CabRule(2, True), ["approve", "reject"], "rejected"),
    (cab.CabRule(2, True), ["approve"], "pending"),
    (cab.CabRule(2, True), ["approve", "approve"], "approved"),
    (cab.CabRule(1, True), ["reject"], "rejected"),
])
def test_cab_quorum_and_unanimity(rule, votes, outcome):
    assert cab.tally(rule, votes) == outcome


@given(st.integers(1, 6), st.booleans(), st.lists(st.sampled_from(("approve", "reject")), max_size=12))
@example(4, False, ["approve", "approve", "approve", "reject"])  # quorum met, majority approves
def test_a_decision_needs_the_quorum_and_unanimity_rejects_on_any_rejection(quorum, unanimous, votes):
    outcome = cab.tally(cab.CabRule(quorum, unanimous), votes)

    approvals, rejections = votes.count("approve"), votes.count("reject")
    if outcome == "approved" and unanimous:
        assert approvals >= quorum and not rejections
    if outcome == "approved" and not unanimous:
        assert len(votes) >= quorum and approvals > rejections
    if outcome == "rejected" and not unanimous:
        assert len(votes) >= quorum and rejections > approvals
    if unanimous and "reject" in votes:
        assert outcome == "rejected"


def test_a_policy_may_override_the_quorum_but_not_invent_types():
    assert cab.rule_for("normal", cab.parse_rules({"normal": {"quorum": 3, "unanimous": True}})) == cab.CabRule(3, True)
    with pytest.raises(Exception, match="normal and emergency changes only"):
        cab.parse_rules({"standard": {"quorum": 1}})
    with pytest.raises(Exception, match="whole number from 1 to 20"):
        cab.parse_rules({"normal": {"quorum": 0}})
