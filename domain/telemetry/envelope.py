"""The ingest envelope: what agents send, validated item by item with a reason for each rejection.

A body is either a JSON array of events or an object::

    {"resource": {"service.name": "checkout", "host.name": "web-1"},
     "events": [...], "logs": [...], "metrics": [...], "spans": [...]}

Items that fail validation are rejected individually (partial success); the others are accepted.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    FiniteFloat,
    Strict,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from domain import strict_json
from domain.text import all_storable

Scalar = str | int | float | bool | None
# One attribute value. Strict members tried left to right pick exactly what the default "smart"
# union picks for JSON values (text, true/false, integers, other numbers, null) at about 2/3 of its
# cost, which matters at 500 events x 8 attributes per request.
AttributeValue = Annotated[
    Annotated[str, Strict()] | Annotated[bool, Strict()] | Annotated[int, Strict()] | Annotated[float, Strict()] | None,
    Field(union_mode="left_to_right")]
Attributes = Annotated[dict[Annotated[str, StringConstraints(min_length=1, max_length=200)], AttributeValue],
                       Field(default_factory=dict, max_length=64)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
HexTrace = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
HexSpan = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]
MAX_ITEMS = 10_000
KINDS = ("events", "logs", "metrics", "spans")
_MAY_BE_UNSTORABLE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")  # a NUL or a surrogate escape (pairs too)
UNSTORABLE_REASON = "text must not contain NUL characters (\\u0000) or unpaired surrogates"


def _aware(value: datetime) -> datetime:
    """Naive times are UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


Time = Annotated[datetime, AfterValidator(_aware)]


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=65_536)


class EventIn(_Item):
    id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    time: Time | None = None
    source: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    kind: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] = "alert"
    severity: Literal["critical", "error", "warning", "info", "debug", "ok"] = "info"
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    message: Annotated[str, StringConstraints(max_length=20_000)] = ""
    service: Name | None = None
    host: Name | None = None
    attributes: Attributes
    # an alert's state as Alertmanager and Keep send it; kept in attributes (``resolved`` clears alerts)
    status: Literal["firing", "resolved", "acknowledged"] | None = None
    fingerprint: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None

    @model_validator(mode="after")
    def _keep_alert_state(self) -> EventIn:
        for name in ("status", "fingerprint"):
            if getattr(self, name) is not None:
                self.attributes[name] = getattr(self, name)
        return self



class LogIn(_Item):
    time: Time | None = None
    severity: Annotated[str, StringConstraints(max_length=16)] = ""
    severity_number: int = Field(0, ge=0, le=24)
    body: Annotated[str, StringConstraints(max_length=65_536)]
    service: Name | None = None
    trace_id: HexTrace | None = None
    span_id: HexSpan | None = None
    attributes: Attributes



SPAN_ORDER_PROBLEM = "end_time is before start_time"


def metric_shape_problem(point: Any) -> str | None:
    """What is wrong with a metric point's combination of fields (a point read by either parser), if anything."""
    if point.kind == "histogram":
        if point.count is None or point.sum is None:
            return "a histogram needs count and sum"
        if (point.bounds is None) != (point.counts is None) or (
                point.bounds is not None and len(point.counts) != len(point.bounds) + 1):
            return "histogram counts must have one more entry than bounds"
    elif point.value is None:
        return f"a {point.kind} needs a value"
    return None


class MetricIn(_Item):
    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_.:/-]{0,199}$")]
    kind: Literal["gauge", "sum", "histogram"] = "gauge"
    value: FiniteFloat | None = None  # NaN and infinities cannot be charted or aggregated
    count: int | None = Field(None, ge=0)
    sum: FiniteFloat | None = None
    bounds: list[FiniteFloat] | None = Field(None, max_length=64)
    counts: list[int] | None = Field(None, max_length=65)
    time: Time | None = None
    unit: Annotated[str, StringConstraints(max_length=32)] = ""
    service: Name | None = None
    labels: Annotated[dict[Annotated[str, StringConstraints(min_length=1, max_length=100)],
                           Annotated[str, StringConstraints(max_length=200)]],
                      Field(default_factory=dict, max_length=32)]


    @model_validator(mode="after")
    def _shape(self) -> MetricIn:
        problem = metric_shape_problem(self)
        if problem:
            raise ValueError(problem)
        return self


class SpanIn(_Item):
    trace_id: HexTrace
    span_id: HexSpan
    parent_span_id: HexSpan | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    service: Name | None = None
    kind: Literal["internal", "server", "client", "producer", "consumer"] = "internal"
    start_time: Time
    end_time: Time
    status: Literal["unset", "ok", "error"] = "unset"
    status_message: Annotated[str, StringConstraints(max_length=2000)] = ""
    attributes: Attributes
    events: list[dict[str, Any]] = Field(default_factory=list, max_length=128)


    @model_validator(mode="after")
    def _order(self) -> SpanIn:
        if self.end_time < self.start_time:
            raise ValueError(SPAN_ORDER_PROBLEM)
        return self


MODELS: dict[str, type[_Item]] = {"events": EventIn, "logs": LogIn, "metrics": MetricIn, "spans": SpanIn}


@dataclass(frozen=True)
class Rejection:
    """One refused item: which list, which position, and why."""

    kind: str
    index: int
    reason: str

    def as_json(self) -> dict:
        return {"kind": self.kind.rstrip("s"), "index": self.index, "reason": self.reason}


@dataclass
class ParsedBatch:
    """Valid items by kind (with their position in the request), the batch resource, the rejections."""

    resource: dict[str, Scalar] = field(default_factory=dict)
    items: dict[str, list] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def accepted_count(self) -> int:
        return sum(len(v) for v in self.items.values())

    @property
    def item_count(self) -> int:
        return self.accepted_count + len(self.rejected)


class EnvelopeError(ValueError):
    """The body as a whole is unusable (not an item-level problem)."""


def _reason(error: ValidationError) -> str:
    parts = []
    for problem in error.errors(include_url=False)[:5]:
        where = ".".join(str(p) for p in problem["loc"])
        parts.append(f"{where}: {problem['msg']}" if where else problem["msg"])
    return "; ".join(parts)


def resource_attributes(value: Any) -> dict[str, Scalar]:
    """The scalar attributes of a batch's resource; refuses a resource that cannot be stored."""
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > 64:
        raise EnvelopeError("resource must be an object of at most 64 attributes")
    kept = {str(k)[:200]: v for k, v in value.items() if isinstance(v, str | int | float | bool) or v is None}
    for key, item in kept.items():
        if not all_storable([key, item]):
            raise EnvelopeError(f"resource attribute {key!r} holds text that cannot be stored (NUL or an unpaired "
                                "surrogate)")
    return kept


class _Envelope(BaseModel):
    """A body whose every item is valid: validated in one pass straight from the JSON bytes."""

    model_config = ConfigDict(extra="forbid")
    resource: dict[str, Any] | None = None
    events: list[EventIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    logs: list[LogIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    metrics: list[MetricIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    spans: list[SpanIn] = Field(default_factory=list, max_length=MAX_ITEMS)


_EVENT_LIST = TypeAdapter(list[EventIn])


def parse_envelope_json(raw: bytes) -> ParsedBatch:
    """Validate a JSON body: all at once when every item is valid (the common case; msgspec first, then
    pydantic), else item by item.

    Raises ``strict_json.BadJSON`` for text that is not JSON and :class:`EnvelopeError` for a body that is not
    an envelope; item problems become rejections.
    """
    if _MAY_BE_UNSTORABLE.search(raw):  # rare: the item-by-item path rejects exactly the items holding it
        return parse_envelope(strict_json.loads(raw))
    from domain.telemetry.envelope_fast import parse_fast  # msgspec: a third of pydantic's time when all is well

    fast = parse_fast(raw)
    if fast is not None:
        return fast
    try:
        if raw.lstrip()[:1] == b"[":
            envelope = _Envelope(events=_EVENT_LIST.validate_json(raw))
        else:
            envelope = _Envelope.model_validate_json(raw)
        resource = resource_attributes(envelope.resource)
    except (ValidationError, EnvelopeError):
        return parse_envelope(strict_json.loads(raw))
    batch = ParsedBatch(resource=resource)
    for kind in KINDS:
        batch.items[kind] = list(enumerate(getattr(envelope, kind)))
    if batch.item_count > MAX_ITEMS:
        raise EnvelopeError(f"at most {MAX_ITEMS} items per request, got {batch.item_count}")
    return batch


def parse_envelope(body: Any) -> ParsedBatch:
    """Validate a decoded JSON body item by item."""
    if isinstance(body, list):
        body = {"events": body}
    if not isinstance(body, dict):
        raise EnvelopeError("body must be a JSON array of events or an object with events, logs, metrics, spans")
    unknown = sorted(set(body) - {"resource", *KINDS})
    if unknown:
        raise EnvelopeError(f"unknown top-level field(s): {', '.join(unknown)}")
    batch = ParsedBatch(resource=resource_attributes(body.get("resource")))
    for kind in KINDS:
        raw = body.get(kind) or []
        if not isinstance(raw, list):
            raise EnvelopeError(f"{kind} must be an array")
        for index, item in enumerate(raw):
            if not all_storable(item):
                batch.rejected.append(Rejection(kind, index, UNSTORABLE_REASON))
                continue
            try:
                batch.items[kind].append((index, MODELS[kind].model_validate(item)))
            except ValidationError as invalid:
                batch.rejected.append(Rejection(kind, index, _reason(invalid)))
    if batch.item_count > MAX_ITEMS:
        raise EnvelopeError(f"at most {MAX_ITEMS} items per request, got {batch.item_count}")
    return batch


def event_dedup_key(event: EventIn, occurred_at: datetime) -> str:
    """The client's id, or a digest of the event's content (a retried identical event dedups)."""
    if event.id:
        return event.id
    content = json.dumps([event.source, event.kind, event.severity, event.title, event.message, event.service,
                          event.host, event.attributes, occurred_at.isoformat()], sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(content.encode()).hexdigest()[:56]
