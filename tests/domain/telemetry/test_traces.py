"""A trace's span tree: parents before children, siblings by start, orphans as roots, any depth."""

from datetime import UTC, datetime, timedelta

from domain.telemetry.traces import span_tree

T0 = datetime(2026, 12, 4, 12, tzinfo=UTC)


def span(span_id, parent=None, start=0, end=10):
    return {"span_id": span_id, "parent_span_id": parent, "start_time": T0 + timedelta(milliseconds=start),
            "end_time": T0 + timedelta(milliseconds=end)}


def test_spans_read_depth_first_with_siblings_by_start_and_orphans_as_roots():
    rows = [span("c2", "root", 30, 40), span("root", None, 0, 100), span("c1", "root", 10, 20),
            span("g1", "c1", 12, 15), span("orphan", "missing", 50, 60)]

    tree = span_tree("t1", rows)

    assert [(p.row["span_id"], p.depth, p.offset_ms) for p in tree.spans] == [
        ("root", 0, 0.0), ("c1", 1, 10.0), ("g1", 2, 12.0), ("c2", 1, 30.0), ("orphan", 0, 50.0)]
    assert tree.duration_ms == 100.0


def test_a_trace_deeper_than_the_recursion_limit_is_ordered():
    rows = [span("s0")] + [span(f"s{i}", f"s{i - 1}", i, i + 1) for i in range(1, 5000)]

    tree = span_tree("deep", rows)

    assert [p.depth for p in tree.spans] == list(range(5000))


def test_no_spans_is_no_trace():
    assert span_tree("none", []) is None
