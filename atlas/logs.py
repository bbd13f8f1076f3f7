"""Our own logs: plain lines for a terminal or one JSON object per line for a log pipeline, each carrying
the request context (request id, tenant, user, GraphQL operation), with secrets and tokens redacted."""

from __future__ import annotations

import contextvars
import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

REQUEST_CONTEXT: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("atlas_request", default=None)
CONTEXT_KEYS = ("request_id", "tenant_id", "user", "operation", "job", "job_id")
EXTRA_KEYS = ("method", "path", "status", "duration_ms", "signal", "accepted", "rejected")
REDACTED = "[redacted]"
_SECRETS = [
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 " + REDACTED),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"), REDACTED),  # JWTs
    (re.compile(r"\b(at[ikr]_[A-Za-z0-9]{8})[A-Za-z0-9_]+"), r"\1…" + REDACTED),  # our API/ingest/refresh keys
    (re.compile(r"(?i)((?:password|secret|token|api[_-]?key)\s*[=:]\s*)([^\s,;&'\"]+)"), r"\1" + REDACTED),
    (re.compile(r"(\w+://[^:/\s@]+:)[^@\s/]+@"), r"\1" + REDACTED + "@"),  # credentials in URLs
]


def redact(text: str) -> str:
    """``text`` with bearer tokens, JWTs, our keys, ``password=...`` values and URL passwords hidden."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def request_context() -> dict[str, Any]:
    """The context of the current request or job: request id, tenant, user, operation (empty outside one).

    A request's tenant and user are known only once the auth middleware has run, so they are read
    from the request's state when a line is logged."""
    current = REQUEST_CONTEXT.get()
    if current is None:
        return {}
    found = {key: value for key, value in current.items() if key in CONTEXT_KEYS}
    state = current.get("state") or {}
    principal = state.get("principal")
    if principal is not None:
        found["tenant_id"], found["user"] = str(principal.tenant_id), principal.subject
    if state.get("graphql_operation"):
        found["operation"] = state["graphql_operation"]
    return found


class RedactingFilter(logging.Filter):
    """Adds the request context to every record and hides secrets in its message and exception."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in request_context().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        record.msg, record.args = redact(record.getMessage()), None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request context and known extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage(),
        }
        for key in (*CONTEXT_KEYS, *EXTRA_KEYS):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """Timestamped lines for a terminal, with the request id when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        return f"{line} [{request_id}]" if request_id else line


ARQ_JOB_LINES = ("%6.2fs → %s(%s)%s", "%6.2fs ← %s ● %s")  # arq's per-job "started" and "finished" lines


class JobLinesAtDebug(logging.Filter):
    """arq's two INFO lines for every job that starts and ends normally become DEBUG lines.

    At thousands of jobs a second they were most of a worker's log (and of its time: formatting, redacting
    and writing a line costs about as much as running a no-op job); durations and outcomes are in
    ``atlas_job_duration_seconds`` and traces. Retries, failures, expiries and aborts stay as arq logs them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or record.msg not in ARQ_JOB_LINES:
            return True
        record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


def configure_logging(level: str, log_format: str = "text", stream=None) -> None:
    """Route every logger (ours, uvicorn's, arq's) through one redacting handler in the chosen format
    (on stderr, or ``stream``); arq's per-job start and finish lines only at ``debug``."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "arq", "arq.worker"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("arq.worker").filters[:] = [JobLinesAtDebug()]
    logging.getLogger("uvicorn.access").disabled = True  # atlas.requests logs each request with its context
