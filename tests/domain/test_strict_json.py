"""The one strict JSON reader: UTF-8 only, nesting bounded, every failure a BadJSON with a reason."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.strict_json import BadJSON, loads, nested_deeper_than

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='ab"\\[]{}\n'),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(alphabet='a"\\[]{', max_size=3),
                                                                       children, max_size=3),
    max_leaves=30)


def depth(value) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


@given(JSON_VALUES, st.integers(min_value=1, max_value=12))
def test_the_bracket_passes_measure_the_depth_the_decoder_would_find(value, limit):
    raw = json.dumps(value).encode()

    assert nested_deeper_than(raw, limit) == (depth(value) > limit)


def test_a_run_of_brackets_and_a_comb_are_both_too_deep():
    assert nested_deeper_than(b"[" * 5000 + b"]" * 5000, 64)
    assert nested_deeper_than(b"[[]" * 70 + b"]" * 70, 64)
    assert not nested_deeper_than(b"[" * 64 + b"]" * 64, 64)


@pytest.mark.parametrize(("raw", "reason"), [
    (b'{"a": "\xff"}', "not valid UTF-8 (byte 0xff at offset 7)"),
    (b"[1,", "not valid JSON: Expecting value at line 1 column 4"),
    (b"[" * 65 + b"]" * 65, "nested too deeply (more than 64 levels)"),
    (b"9" * 5000, "not valid JSON: Exceeds the limit (4300 digits)"),
])
def test_every_failure_is_bad_json_with_a_reason(raw, reason):
    with pytest.raises(BadJSON) as bad:
        loads(raw)

    assert str(bad.value).startswith(reason)


def test_text_and_a_byte_order_mark_are_read_like_bytes():
    assert loads('{"a": [1, "é"]}') == {"a": [1, "é"]}
    assert loads(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
