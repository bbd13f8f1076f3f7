"""CEL conditions: CEL semantics for alerting, indexing hints, and refusals with reasons."""

import pytest

from domain.alerting.cel import compile_condition
from domain.errors import ValidationFailed

EVENT = {"source": "synthetic-monitor", "severity": "critical", "service": "payments", "title": "Checkout failing",
         "attributes": {"region": "eu-west-1", "error_rate": 7.5, "tags": ["pci", "tier1"]}}


@pytest.mark.parametrize(("condition", "expected"), [
    ('event.severity == "critical"', True),
    ("event.severity == 'warning'", False),
    ('event.service in ["payments", "checkout"] && event.attributes.error_rate > 5.0', True),
    ('event.attributes.error_rate >= 7.5 && event.attributes.region.startsWith("eu-")', True),
    ('"pci" in event.attributes.tags', True),
    ('event.title.matches("^Check(out)?") && size(event.title) == 16', True),
    ('event.title.contains("fail") || event.nope == "x"', True),
    ('event.nope == "x" || event.severity == "critical"', True),
    ('event.nope == "x"', False),
    ('event.nope == "x" && event.severity == "critical"', False),
    ('has(event.host) ? event.host == "web-1" : event.service == "payments"', True),
    ('!has(event.host) && has(event.attributes.region)', True),
    ('event.attributes["region"].endsWith("-1")', True),
    ('event.attributes.error_rate + 1.0 > 8.0 && event.attributes.error_rate * 2.0 < 16.0', True),
    ('event.severity == 1', False),
    ('event.severity', False),
])
def test_conditions_follow_cel_semantics(condition, expected):
    assert compile_condition(condition).matches(EVENT) is expected


def test_top_level_equalities_are_reported_for_indexing():
    condition = compile_condition('event.source == "synthetic-monitor" && "critical" == event.severity '
                                  '&& event.attributes.region == "eu"')

    assert condition.equalities == (("source", "synthetic-monitor"), ("severity", "critical"))
    assert compile_condition('event.source == "a" || event.severity == "b"').equalities == ()


@pytest.mark.parametrize(("condition", "message"), [
    ("", "The condition is empty."),
    ('event.severity == ', "The condition is not valid CEL at line 1"),
    ('__import__("os").system("id") == 0', "Unknown function __import__()."),
    ('request.path == "/"', "Unknown name 'request': conditions read event.<field>."),
    ('event.title.frobnicate()', "Unknown method frobnicate()."),
    ('{"a": 1}.a == 1', "map lit is not supported in conditions."),
    ("x" * 2001, "The condition is longer than 2000 characters."),
])
def test_unusable_conditions_are_refused_with_the_reason(condition, message):
    with pytest.raises(ValidationFailed) as refused:
        compile_condition(condition)

    assert refused.value.message.startswith(message) and refused.value.field == "condition"


def test_compiled_conditions_are_cached():
    assert compile_condition('event.kind == "alert"') is compile_condition('event.kind == "alert"')


@pytest.mark.parametrize("condition", [
    'event.source == "synthetic-monitor" && event.severity == "critical"',
    'event.service in ["payments", "checkout"] && event.title.contains("fail")',
    '"critical" == event.severity && (event.nope == "x" || event.service == "payments")',
    'event.source == "synthetic-monitor"',
])
def test_the_residual_of_an_indexed_conjunct_agrees_with_the_whole_condition(condition):
    compiled = compile_condition(condition)
    field, value = compiled.equalities[0]
    residual = compiled.residual(field)
    variants = [EVENT, {**EVENT, "severity": "info"}, {**EVENT, "title": "all good"}, {**EVENT, "service": "checkout"},
                {k: v for k, v in EVENT.items() if k != "service"}]

    for event in variants:
        satisfied = event.get(field) in value if isinstance(value, frozenset) else event.get(field) == value
        if satisfied:
            assert residual(event) == compiled.matches(event), (condition, event)
