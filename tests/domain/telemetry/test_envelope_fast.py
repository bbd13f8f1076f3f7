"""The msgspec fast path and the pydantic models describe one envelope: same fields, same defaults,
and on any body the fast path either steps aside or gives exactly what pydantic gives."""

import json
from datetime import UTC, datetime

import hypothesis.strategies as st
import msgspec
import pytest
from hypothesis import given, settings

from domain import strict_json
from domain.telemetry.envelope import KINDS, MODELS, EnvelopeError, parse_envelope, parse_envelope_json
from domain.telemetry.envelope_fast import FAST_MODELS, parse_fast


def _pydantic(raw: bytes):
    return parse_envelope(strict_json.loads(raw))


def _values(item) -> dict:
    return item.model_dump() if hasattr(item, "model_dump") else msgspec.structs.asdict(item)


def _same_or_stepped_aside(raw: bytes) -> bool:
    """True when the fast path answered (then it must match pydantic exactly), False when it stepped aside."""
    fast, slow = parse_fast(raw), _pydantic(raw)
    if fast is None:
        return False
    assert slow.rejected == [], slow.rejected
    assert fast.resource == slow.resource
    for kind in KINDS:
        assert [(i, _values(item)) for i, item in fast.items[kind]] == \
               [(i, _values(item)) for i, item in slow.items[kind]], kind
    return True


@pytest.mark.parametrize("kind", KINDS)
def test_both_parsers_have_the_same_fields_defaults_and_required_ones(kind):
    model, fast = MODELS[kind], FAST_MODELS[kind]
    fields = {f.name: f for f in msgspec.structs.fields(fast)}

    assert set(fields) == set(model.model_fields)
    for name, info in model.model_fields.items():
        assert fields[name].required == info.is_required(), name
        if not info.is_required():
            default = info.get_default(call_default_factory=True)
            ours = fields[name].default_factory() if fields[name].default_factory is not msgspec.NODEFAULT \
                else fields[name].default
            assert ours == default, name


EVENT = {"source": "edge", "title": "Disk full", "severity": "critical", "service": "db", "host": "db-1",
         "attributes": {"used": 97.5, "mount": "/", "alerting": True, "inodes": 12, "note": None}}
VALID = [
    [EVENT, {**EVENT, "id": "e-1", "time": "2026-11-27T10:00:00Z", "message": "é" * 10}],
    {"resource": {"service.name": "checkout", "host.name": "web-1", "pid": 12}, "events": [EVENT],
     "logs": [{"body": "GET / 200", "severity": "INFO", "severity_number": 9, "time": "2026-11-27T10:00:00+02:00",
               "trace_id": "0" * 32, "span_id": "1" * 16}],
     "metrics": [{"name": "http.requests", "kind": "sum", "value": 3, "labels": {"route": "/"}},
                 {"name": "latency", "kind": "histogram", "count": 3, "sum": 1.5, "bounds": [0.1, 1],
                  "counts": [1, 1, 1]}],
     "spans": [{"trace_id": "a" * 32, "span_id": "b" * 16, "name": "GET /", "start_time": "2026-11-27T10:00:00",
                "end_time": "2026-11-27T10:00:01", "kind": "server", "events": [{"name": "retry", "n": 1}]}]},
]
STEPPED_ASIDE = [
    [{**EVENT, "title": "  padded  "}],                       # pydantic trims it
    [{**EVENT, "unknown": 1}],                                 # refused item: pydantic says why
    [{**EVENT, "time": 1764237600}],                           # a number where a time string is read
    {"metrics": [{"name": "m", "kind": "histogram", "count": 1, "sum": 1.0, "bounds": [1], "counts": [1]}]},
    {"spans": [{"trace_id": "a" * 32, "span_id": "b" * 16, "name": "s", "start_time": "2026-11-27T10:00:01",
                "end_time": "2026-11-27T10:00:00"}]},
    {"metrics": [{"name": "m", "value": 1e400}]},
    {"resource": [1]},
    [{**EVENT, "title": "t" * 501}],
    [{**EVENT, "attributes": {"": 1}}],
]


@pytest.mark.parametrize("body", VALID, ids=["array", "envelope"])
def test_valid_bodies_take_the_fast_path_and_match_pydantic(body):
    assert _same_or_stepped_aside(json.dumps(body).encode())


def _outcome(parse, raw: bytes):
    try:
        batch = parse(raw)
    except EnvelopeError as refused:
        return str(refused)
    return batch.rejected, {kind: [(i, _values(item)) for i, item in batch.items[kind]] for kind in KINDS}


@pytest.mark.parametrize("body", STEPPED_ASIDE)
def test_anything_unusual_steps_aside_and_pydantic_answers(body):
    raw = json.dumps(body).encode()
    assert parse_fast(raw) is None
    assert _outcome(parse_envelope_json, raw) == _outcome(_pydantic, raw)


def test_a_naive_time_is_utc_on_both_paths():
    batch = parse_fast(json.dumps([{**EVENT, "time": "2026-11-27T10:00:00"}]).encode())
    assert batch.items["events"][0][1].time == datetime(2026, 11, 27, 10, tzinfo=UTC)


texts = st.one_of(st.text(alphabet="aZé-😀", min_size=1, max_size=8),  # mostly what agents send; some odd text
                  st.text(alphabet=st.sampled_from(["a", " ", "\t", "é"]), max_size=4))
scalars = st.one_of(texts, st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False), st.none())
events = st.fixed_dictionaries(
    {"source": texts, "title": st.one_of(texts, st.text(min_size=499, max_size=502, alphabet="x"))},
    optional={"kind": texts, "severity": st.sampled_from(["info", "warning", "bogus"]), "message": texts,
              "service": st.one_of(texts, st.none()), "host": st.one_of(texts, st.none()),
              "id": st.one_of(texts, st.none()), "time": st.sampled_from(["2026-11-27T10:00:00Z", "2026-11-27",
                                                                          "yesterday", "2026-11-27T10:00:00.5+05:30"]),
              "attributes": st.dictionaries(st.text(max_size=3), scalars, max_size=4)})
metrics = st.fixed_dictionaries(
    {"name": st.sampled_from(["m", "http.server.duration", "9bad", ""])},
    optional={"kind": st.sampled_from(["gauge", "sum", "histogram"]), "value": st.one_of(st.floats(allow_nan=False),
                                                                                          st.integers(), st.none()),
              "count": st.integers(-1, 3), "sum": st.floats(allow_nan=False), "bounds": st.lists(st.floats(0, 9)),
              "counts": st.lists(st.integers(0, 5)), "labels": st.dictionaries(texts, texts, max_size=3)})


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.lists(events, max_size=3), st.fixed_dictionaries({"events": st.lists(events, max_size=2),
                                                                      "metrics": st.lists(metrics, max_size=2)})))
def test_on_any_body_the_fast_path_steps_aside_or_agrees_with_pydantic(body):
    _same_or_stepped_aside(json.dumps(body, ensure_ascii=False).encode())
