"""The fast path of the ingest envelope: msgspec reads a body whose every item is valid.

The same schema as the pydantic models of ``envelope.py`` (``tests/domain/telemetry/
test_envelope_fast.py`` holds the two together, field by field and on a corpus of bodies), with
one rule: this path may refuse more than pydantic, never less, and what it accepts comes out with
the same values. So it answers only when it is sure: text to be stripped, times (read by pydantic's
own parser), histogram shape and span order are checked here, and anything unusual (a refused
item, an unknown field, a number where text belongs, whitespace to trim) returns None and the body
takes the pydantic path, which gives each item its reason. Items come out as msgspec structs with
the attributes storage reads from the pydantic models.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct, field
from pydantic import TypeAdapter

from domain.telemetry.envelope import (
    KINDS,
    MAX_ITEMS,
    EnvelopeError,
    ParsedBatch,
    Time,
    metric_shape_problem,
    resource_attributes,
)

TEXT = 65_536  # pydantic's str_max_length for the item models
FINITE = Meta(ge=-sys.float_info.max, le=sys.float_info.max)


def _text(low: int = 0, high: int = TEXT, pattern: str | None = None) -> Any:
    return Annotated[str, Meta(min_length=low, max_length=high, pattern=pattern)]


Finite = Annotated[float, FINITE]
AttributeValue = _text() | bool | int | Finite | None
Attributes = Annotated[dict[_text(1, 200), AttributeValue], Meta(max_length=64)]
HexTrace, HexSpan = _text(pattern=r"^[0-9a-f]{32}$"), _text(pattern=r"^[0-9a-f]{16}$")
STRIPPED = {"events": ("source", "kind", "title", "service", "host"), "logs": ("service",),
            "metrics": ("service",), "spans": ("name", "service")}
TIMES = {"events": ("time",), "logs": ("time",), "metrics": ("time",), "spans": ("start_time", "end_time")}
_TIME = TypeAdapter(Time)


class _Item(Struct, kw_only=True, forbid_unknown_fields=True):
    pass


class EventFast(_Item):
    source: _text(1, 100)
    title: _text(1, 500)
    id: _text(1, 200) | None = None
    time: str | None = None
    kind: _text(1, 64) = "alert"
    severity: Literal["critical", "error", "warning", "info", "debug", "ok"] = "info"
    message: _text(0, 20_000) = ""
    service: _text(1, 200) | None = None
    host: _text(1, 200) | None = None
    attributes: Attributes = field(default_factory=dict)
    status: Literal["firing", "resolved"] | None = None
    fingerprint: _text(1, 200) | None = None


class LogFast(_Item):
    body: _text()
    time: str | None = None
    severity: _text(0, 16) = ""
    severity_number: Annotated[int, Meta(ge=0, le=24)] = 0
    service: _text(1, 200) | None = None
    trace_id: HexTrace | None = None
    span_id: HexSpan | None = None
    attributes: Attributes = field(default_factory=dict)


class MetricFast(_Item):
    name: _text(pattern=r"^[A-Za-z_][A-Za-z0-9_.:/-]{0,199}$")
    kind: Literal["gauge", "sum", "histogram"] = "gauge"
    value: Finite | None = None
    count: Annotated[int, Meta(ge=0)] | None = None
    sum: Finite | None = None
    bounds: Annotated[list[Finite], Meta(max_length=64)] | None = None
    counts: Annotated[list[int], Meta(max_length=65)] | None = None
    time: str | None = None
    unit: _text(0, 32) = ""
    service: _text(1, 200) | None = None
    labels: Annotated[dict[_text(1, 100), _text(0, 200)], Meta(max_length=32)] = field(default_factory=dict)


class SpanFast(_Item):
    trace_id: HexTrace
    span_id: HexSpan
    name: _text(1, 300)
    start_time: str
    end_time: str
    parent_span_id: HexSpan | None = None
    service: _text(1, 200) | None = None
    kind: Literal["internal", "server", "client", "producer", "consumer"] = "internal"
    status: Literal["unset", "ok", "error"] = "unset"
    status_message: _text(0, 2000) = ""
    attributes: Attributes = field(default_factory=dict)
    events: Annotated[list[dict[str, Any]], Meta(max_length=128)] = field(default_factory=list)


class EnvelopeFast(Struct, kw_only=True, forbid_unknown_fields=True):
    resource: dict[str, Any] | None = None
    events: Annotated[list[EventFast], Meta(max_length=MAX_ITEMS)] = field(default_factory=list)
    logs: Annotated[list[LogFast], Meta(max_length=MAX_ITEMS)] = field(default_factory=list)
    metrics: Annotated[list[MetricFast], Meta(max_length=MAX_ITEMS)] = field(default_factory=list)
    spans: Annotated[list[SpanFast], Meta(max_length=MAX_ITEMS)] = field(default_factory=list)


_ENVELOPE = msgspec.json.Decoder(EnvelopeFast)
_EVENTS = msgspec.json.Decoder(Annotated[list[EventFast], Meta(max_length=MAX_ITEMS)])
FAST_MODELS = {"events": EventFast, "logs": LogFast, "metrics": MetricFast, "spans": SpanFast}


def parse_fast(raw: bytes) -> ParsedBatch | None:
    """The batch when every item of the JSON body is valid and needs nothing trimmed; else None."""
    try:
        envelope = (EnvelopeFast(events=_EVENTS.decode(raw)) if raw.lstrip()[:1] == b"["
                    else _ENVELOPE.decode(raw))
        batch = ParsedBatch(resource=resource_attributes(envelope.resource))
    except (msgspec.DecodeError, EnvelopeError):
        return None
    for kind in KINDS:
        items = getattr(envelope, kind)
        if not all(_settled(kind, item) for item in items):
            return None
        batch.items[kind] = list(enumerate(items))
    return batch if batch.item_count <= MAX_ITEMS else None


def _settled(kind: str, item: Struct) -> bool:
    """Check what the decoder cannot (trimmed text, times, cross-field rules) and turn times into datetimes."""
    for name in STRIPPED[kind]:
        value = getattr(item, name)
        if value is not None and value != value.strip():
            return False
    try:
        for name in TIMES[kind]:
            value = getattr(item, name)
            if value is not None:
                setattr(item, name, _TIME.validate_python(value))
    except ValueError:
        return False
    if kind == "metrics":
        return metric_shape_problem(item) is None
    if kind == "events":  # an alert's state goes into its attributes: EventIn does that
        return item.status is None and item.fingerprint is None
    return kind != "spans" or item.end_time >= item.start_time
