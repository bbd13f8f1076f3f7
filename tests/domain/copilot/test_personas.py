"""Persona routing on a labelled question set, and the grounding rule (every kept sentence cites a source)."""

import pytest

from domain.copilot.grounding import Grounded
from domain.copilot.personas import parse_persona, route
from domain.errors import ValidationFailed

LABELLED = [
    ("Why is checkout returning 502 errors since the deploy?", "sre"),
    ("Show me the error logs and latency spike for the payments service", "sre"),
    ("Which command restarts the stuck queue consumer?", "sre"),
    ("Is the database disk full again, and what is the runbook fix?", "sre"),
    ("Node cpu at 100% and pods crash looping, what is the root cause?", "sre"),
    ("Was there a breach? I see suspicious login attempts from unknown IPs", "secops"),
    ("Are any credentials exposed after the leak of the api secret?", "secops"),
    ("Is this a ddos attack or a brute force against the firewall?", "secops"),
    ("Which assets are affected by the new CVE vulnerability exploit?", "secops"),
    ("Do we see malware or phishing related to the compromised account?", "secops"),
    ("Give me an executive summary of the customer impact", "executive"),
    ("What is the business impact and are we within SLA?", "executive"),
    ("Write a status update for stakeholders and leadership", "executive"),
    ("How did our availability and uptime look this month?", "executive"),
    ("Brief the board on the reputation risk of this outage", "executive"),
    ("How much did this incident cost us?", "finops"),
    ("How many AI credits did we spend this month?", "finops"),
    ("Are we over budget on model usage and tokens?", "finops"),
    ("What is our AI spend and the billing forecast?", "finops"),
    ("Which team drives the most expensive consumption, for chargeback?", "finops"),
]


def test_the_router_labels_the_question_set_correctly():
    picked = [(question, route(question)[0]) for question, _ in LABELLED]

    wrong = [(q, got, want) for (q, got), (_, want) in zip(picked, LABELLED, strict=True) if got != want]
    assert wrong == []


def test_the_router_says_which_persona_and_why():
    persona, reason = route("How many AI credits did we spend?")

    assert persona == "finops"
    assert reason == "routed to FinOps by: credits, spend"


def test_a_question_without_cues_goes_to_sre_and_says_so():
    assert route("hello there") == ("sre", "no persona cue in the question: answered as SRE")


def test_an_unknown_persona_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        parse_persona("lawyer")

    assert refused.value.field == "persona"
    assert refused.value.message == "Unknown persona 'lawyer': use one of sre, secops, executive, finops."


def test_sentences_without_a_given_citation_are_withheld():
    grounded = Grounded(given=frozenset({"incident:1", "kb:2"}))

    kept = grounded.feed("[local provider, extractive] The db is full. [incident:1] Probably aliens. ")
    kept += grounded.feed("Restart it [kb:2]. Made up [kb:9].")
    kept += grounded.finish()

    assert kept == ["[local provider, extractive]", "The db is full. [incident:1]", "Restart it [kb:2]."]
    assert grounded.cited == ["incident:1", "kb:2"]
    assert grounded.withheld == 2
    assert grounded.grounded


def test_an_answer_citing_nothing_is_not_grounded():
    grounded = Grounded(given=frozenset({"incident:1"}))

    grounded.feed("The evidence given does not answer this question.")
    grounded.finish()

    assert not grounded.grounded and grounded.kept == [] and grounded.withheld == 1


def test_a_citation_streamed_after_its_sentence_stays_with_it():
    grounded = Grounded(given=frozenset({"incident:1"}))

    kept = [s for piece in ("The db ", "is full. ", "[incident:1] ", "Next ") for s in grounded.feed(piece)]
    kept += grounded.finish()

    assert kept == ["The db is full. [incident:1]"]
    assert grounded.withheld == 1
