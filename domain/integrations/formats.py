"""What PagerDuty Events v2, Alertmanager (webhook v4) and Opsgenie (Alert API v2) send, as our events.

Each parser takes the sender's JSON and returns the events to store, or raises ``PayloadRefused`` with
the message the original API would give. Fields with no place in an event (PagerDuty ``images``,
``class``; Opsgenie ``responders``, ``visibleTo``, ``actions``) are kept in the stored payload only.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from domain.errors import DomainError

PD_SEVERITY = {"critical": "SEV1", "error": "SEV2", "warning": "SEV3", "info": "SEV4"}
PD_ACTIONS = {"trigger": "firing", "acknowledge": "acknowledged", "resolve": "resolved"}
OPSGENIE_PRIORITY = {"P1": ("critical", "SEV1"), "P2": ("error", "SEV2"), "P3": ("warning", "SEV3"),
                     "P4": ("info", "SEV4"), "P5": ("info", "SEV4")}
AM_SEVERITY = {"critical": "critical", "page": "critical", "high": "critical", "error": "error", "major": "error",
               "warning": "warning", "warn": "warning", "minor": "warning", "info": "info", "low": "info",
               "none": "info"}
INCIDENT_SEVERITY = {"critical": "SEV1", "error": "SEV2", "warning": "SEV3", "info": "SEV4"}


class PayloadRefused(DomainError):
    """The payload is not what the original API accepts; ``errors`` say why, in its words."""

    code = "INVALID_PAYLOAD"

    def __init__(self, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or [message]


def _text(value: Any, limit: int) -> str:
    return (value if isinstance(value, str) else json.dumps(value, default=str))[:limit]


def _details(value: Any) -> str:
    return "" if value in (None, {}, "") else _text(value, 20_000)


def pagerduty_event(body: Any) -> tuple[str, dict[str, Any]]:
    """One Events API v2 event: its dedup key and our event (raises PayloadRefused as PagerDuty would)."""
    if not isinstance(body, dict):
        raise PayloadRefused("Event object is invalid", ["Body must be a JSON object"])
    errors, action = [], body.get("event_action")
    if action not in PD_ACTIONS:
        errors.append("'event_action' is missing or invalid")
    dedup_key = body.get("dedup_key")
    if dedup_key is not None and (not isinstance(dedup_key, str) or not 0 < len(dedup_key) <= 255):
        errors.append("'dedup_key' must be a string of at most 255 characters")
    if action in ("acknowledge", "resolve") and not dedup_key:
        errors.append(f"'dedup_key' is required for event_action '{action}'")
    payload = body.get("payload")
    if action == "trigger":
        errors += _pagerduty_payload_errors(payload)
    if errors:
        raise PayloadRefused("Event object is invalid", errors)
    dedup_key = dedup_key or uuid.uuid4().hex
    return dedup_key, _pagerduty_as_event(action, dedup_key, payload if isinstance(payload, dict) else {}, body)


def _pagerduty_payload_errors(payload: Any) -> list[str]:
    if not isinstance(payload, dict):
        return ["'payload' is missing or not an object"]
    errors = [f"'payload.{name}' is missing" for name in ("summary", "source") if not payload.get(name)]
    if payload.get("severity") not in PD_SEVERITY:
        errors.append("'payload.severity' must be one of critical, error, warning, info")
    if isinstance(payload.get("summary"), str) and len(payload["summary"]) > 1024:
        errors.append("'payload.summary' is longer than 1024 characters")
    return errors


def _pagerduty_as_event(action: str, dedup_key: str, payload: dict, body: dict) -> dict[str, Any]:
    severity = payload.get("severity", "info")
    attributes = {"pagerduty.source": _text(payload.get("source", ""), 500),
                  "pagerduty.component": _text(payload.get("component", ""), 500),
                  "pagerduty.group": _text(payload.get("group", ""), 500),
                  "pagerduty.class": _text(payload.get("class", ""), 500)}
    if action == "trigger":
        attributes["incident_severity"] = PD_SEVERITY[severity]
    links = body.get("links") if isinstance(body.get("links"), list) else []
    return {"source": "pagerduty", "kind": "alert", "status": PD_ACTIONS[action], "fingerprint": dedup_key[:200],
            "severity": severity if action == "trigger" else "info",
            "title": _text(payload.get("summary") or f"{action} {dedup_key}", 500),
            "message": _details({"custom_details": payload.get("custom_details"), "links": links} if
                                payload.get("custom_details") or links else None),
            "time": payload.get("timestamp") if isinstance(payload.get("timestamp"), str) else None,
            "attributes": {k: v for k, v in attributes.items() if v}}


def alertmanager_events(body: Any) -> list[dict[str, Any]]:
    """Every alert of an Alertmanager webhook (version 4) as our event (firing or resolved)."""
    if not isinstance(body, dict) or not isinstance(body.get("alerts"), list):
        raise PayloadRefused("body must be an Alertmanager webhook payload with an alerts list")
    if str(body.get("version", "4")) != "4":
        raise PayloadRefused(f"webhook payload version {body.get('version')!r} is not supported (4 is)")
    events = []
    for index, alert in enumerate(body["alerts"]):
        if not isinstance(alert, dict) or not isinstance(alert.get("labels", {}), dict):
            raise PayloadRefused(f"alerts[{index}] must be an object with labels")
        events.append(_alertmanager_as_event(alert, body))
    return events


def _alertmanager_as_event(alert: dict, body: dict) -> dict[str, Any]:
    labels = {str(k): str(v) for k, v in alert.get("labels", {}).items()}
    annotations = alert.get("annotations") if isinstance(alert.get("annotations"), dict) else {}
    firing = alert.get("status", body.get("status")) != "resolved"
    severity = AM_SEVERITY.get(labels.get("severity", "").lower(), "warning")
    fingerprint = alert.get("fingerprint") or hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()
    title = annotations.get("summary") or annotations.get("title") or labels.get("alertname") or "Alertmanager alert"
    attributes = {f"label.{k}"[:64]: v[:500] for k, v in list(labels.items())[:40]}
    if firing:
        attributes["incident_severity"] = INCIDENT_SEVERITY[severity]
    return {"source": "alertmanager", "kind": "alert", "status": "firing" if firing else "resolved",
            "fingerprint": str(fingerprint)[:200], "severity": severity, "title": _text(title, 500),
            "message": _text(annotations.get("description", ""), 20_000),
            "service": _service_label(labels),
            "time": (alert.get("startsAt") if firing else alert.get("endsAt")) or None,
            "attributes": attributes}


def _service_label(labels: dict[str, str]) -> str | None:
    value = labels.get("service") or labels.get("job")
    return value[:200] if value and all(c.isalnum() or c in "._-/:" for c in value) else None


def opsgenie_alert(body: Any) -> dict[str, Any]:
    """Opsgenie's create-alert body as our event (raises PayloadRefused with Opsgenie's message)."""
    if not isinstance(body, dict):
        raise PayloadRefused("Request body is not processable. Please check the errors.", ["Body must be an object."])
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        raise PayloadRefused("Request body is not processable. Please check the errors.", ["Message can not be empty."])
    priority = body.get("priority", "P3")
    if priority not in OPSGENIE_PRIORITY:
        raise PayloadRefused("Request body is not processable. Please check the errors.",
                             [f"Priority should be one of {sorted(OPSGENIE_PRIORITY)}"])
    severity, incident_severity = OPSGENIE_PRIORITY[priority]
    alias = body.get("alias") if isinstance(body.get("alias"), str) and body.get("alias") else uuid.uuid4().hex
    tags = body.get("tags") if isinstance(body.get("tags"), list) else []
    attributes = {"incident_severity": incident_severity, "opsgenie.priority": priority,
                  "opsgenie.entity": _text(body.get("entity", ""), 500),
                  "opsgenie.source": _text(body.get("source", ""), 100),
                  "opsgenie.tags": _text(",".join(str(t) for t in tags), 500)}
    return {"source": "opsgenie", "kind": "alert", "status": "firing", "fingerprint": alias[:200],
            "severity": severity, "title": _text(message.strip(), 130),
            "message": _details({"description": body.get("description"), "details": body.get("details")}
                                if body.get("description") or body.get("details") else None),
            "attributes": {k: v for k, v in attributes.items() if v}}


def opsgenie_state(alias: str, status: str, body: Any) -> dict[str, Any]:
    """A close (resolved) or acknowledge of the alert with ``alias``."""
    note = body.get("note") if isinstance(body, dict) and isinstance(body.get("note"), str) else ""
    return {"source": "opsgenie", "kind": "alert", "status": status, "fingerprint": alias[:200], "severity": "info",
            "title": _text(note or f"{status} by Opsgenie API", 500), "attributes": {}}
