"""The ingest envelope keeps attribute values exactly as sent, on the fast path and item by item."""

import json

from domain.telemetry.envelope import parse_envelope, parse_envelope_json

VALUES = {"text": "x", "yes": True, "no": False, "count": 1, "zero": 0, "ratio": 1.5, "whole_float": 2.0,
          "huge": 12345678901234567890, "nothing": None, "digits": "42"}


def _event(attributes):
    return {"source": "agent", "title": "t", "attributes": attributes}


def test_attribute_values_keep_their_json_types_on_both_paths():
    body = json.dumps({"events": [_event(VALUES)]}).encode()
    fast = parse_envelope_json(body).items["events"][0][1].attributes
    one_by_one = parse_envelope(json.loads(body)).items["events"][0][1].attributes

    for parsed in (fast, one_by_one):
        assert parsed == VALUES
        assert {key: type(value) for key, value in parsed.items()} == {key: type(value) for key, value in VALUES.items()}


def test_nested_attribute_values_are_rejected_with_their_key():
    body = json.dumps({"events": [_event({"ok": 1}), _event({"inner": {"a": 1}}), _event({"list": [1, 2]})]}).encode()

    batch = parse_envelope_json(body)

    assert [index for index, _ in batch.items["events"]] == [0]
    reasons = {rejection.index: rejection.reason for rejection in batch.rejected}
    assert set(reasons) == {1, 2}
    assert reasons[1].startswith("attributes.inner") and reasons[2].startswith("attributes.list")
