"""The alert rule editor's form: its fields as typed, turned into the API's ``AlertRuleInput``, and back.

One form serves every kind; the window fields each kind uses carry their own names (``metric``,
``log_service``, ``absence_source``, ...) and the shared ones (``minutes``, ``operator``, ``threshold``)
are read only for the kinds that have them. Numbers that do not parse are refused here with an error
shaped like the API's, naming the same field the API would (``window.threshold``, ``thresholdCount``).
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from console.forms import FormProblem, choices, text
from domain.incidents.models import SEVERITIES

KINDS = ("event", "metric", "log", "absence")
OPERATORS = (">", ">=", "<", "<=", "==", "!=")
AGGREGATIONS = ("avg", "min", "max", "sum", "count", "p95")
LOG_LEVELS = (("0", "any"), ("5", "debug"), ("9", "info"), ("13", "warn"), ("17", "error"), ("21", "fatal"))
DRY_RUN_HOURS = (1, 6, 24)
DEFAULT_FINGERPRINT = "{rule}:{group}"
TEXT_FIELDS = ("name", "description", "kind", "severity", "service", "condition", "group_by", "fingerprint_template",
               "threshold_count", "auto_resolve_minutes", "minutes", "operator", "threshold", "metric", "aggregation",
               "for_minutes", "labels", "log_service", "min_severity", "log_text", "absence_source",
               "absence_service", "absence_kind")
BLANK: dict[str, Any] = {**dict.fromkeys(TEXT_FIELDS, ""), "kind": "event", "severity": "SEV3", "operator": ">",
                         "aggregation": "avg", "min_severity": "17", "fingerprint_template": DEFAULT_FINGERPRINT,
                         "threshold_count": "1", "minutes": "5", "notify": [], "enabled": True}


def form_values(form: FormData) -> dict[str, Any]:
    """The editor's fields as the user sent them (kept to show the form again)."""
    return {**{name: text(form, name) for name in TEXT_FIELDS}, "notify": choices(form, "notify"),
            "enabled": text(form, "enabled") == "on"}


def _whole(raw: str, field: str, label: str) -> int | None:
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise FormProblem(f"{label} must be a whole number.", field) from None


def _number(raw: str, field: str, label: str) -> int | float | None:
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        return float(raw)
    except ValueError:
        raise FormProblem(f"{label} must be a number.", field) from None


def _labels(raw: str) -> dict[str, str]:
    """``key=value, key=value`` as a dict."""
    found = {}
    for pair in (part.strip() for part in raw.split(",")):
        if not pair:
            continue
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise FormProblem("Labels are written key=value, separated by commas.", "window.labels")
        found[key.strip()] = value.strip()
    return found


def _present(window: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in window.items() if value not in (None, "", {})}


def window_of(values: dict[str, Any]) -> dict[str, Any]:
    """The ``window`` of a metric, log or absence rule (empty for event rules)."""
    kind = values["kind"]
    if kind == "event":
        return {}
    window: dict[str, Any] = {"minutes": _whole(values["minutes"], "window.minutes", "Window")}
    if kind in ("metric", "log"):
        window.update(operator=values["operator"],
                      threshold=_number(values["threshold"], "window.threshold", "Threshold"))
    if kind == "metric":
        window.update(metric=values["metric"], aggregation=values["aggregation"], labels=_labels(values["labels"]),
                      for_minutes=_whole(values["for_minutes"], "window.for_minutes", "For"))
    elif kind == "log":
        window.update(service=values["log_service"], text=values["log_text"],
                      min_severity=_whole(values["min_severity"], "window.min_severity", "Minimum level") or 0)
    else:
        window.update(source=values["absence_source"], service=values["absence_service"], kind=values["absence_kind"])
    return _present(window)


def rule_input(values: dict[str, Any]) -> dict[str, Any]:
    """``AlertRuleInput`` from the form; FormProblem for a choice or number the API could not parse."""
    if values["kind"] not in KINDS:
        raise FormProblem(f"Choose a kind: {', '.join(KINDS)}.", "kind")
    if values["severity"] not in SEVERITIES:
        raise FormProblem(f"Choose a severity: {', '.join(SEVERITIES)}.", "severity")
    group_by = [name.strip() for name in values["group_by"].split(",") if name.strip()]
    event = values["kind"] == "event"  # the condition and the match count are the event fields' only
    count = _whole(values["threshold_count"], "thresholdCount", "Threshold count") if event else None
    return {"name": values["name"], "kind": values["kind"].upper(), "severity": values["severity"],
            "description": values["description"], "condition": values["condition"] if event else "",
            "window": window_of(values), "service": values["service"] or None, "groupBy": group_by,
            "fingerprintTemplate": values["fingerprint_template"] or DEFAULT_FINGERPRINT,
            "thresholdCount": 1 if count is None else count,
            "autoResolveMinutes": _whole(values["auto_resolve_minutes"], "autoResolveMinutes", "Auto-resolve"),
            "notify": values["notify"], "enabled": values["enabled"]}


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


def values_of(rule: dict[str, Any]) -> dict[str, Any]:
    """The editor's fields for a stored rule (``AlertRule`` from the API)."""
    window, kind = rule.get("window") or {}, rule["kind"].lower()
    values = {**BLANK, "name": rule["name"], "description": rule["description"], "kind": kind,
              "severity": rule["severity"], "service": _shown(rule["service"]), "condition": rule["condition"],
              "group_by": ", ".join(rule["groupBy"]), "fingerprint_template": rule["fingerprintTemplate"],
              "threshold_count": _shown(rule["thresholdCount"]),
              "auto_resolve_minutes": _shown(rule["autoResolveMinutes"]), "notify": list(rule["notify"]),
              "enabled": rule["enabled"], "minutes": _shown(window.get("minutes"))}
    values.update({key: _shown(window[key]) for key in ("operator", "threshold") if key in window})
    if kind == "metric":
        values.update(metric=_shown(window.get("metric")), aggregation=window.get("aggregation", "avg"),
                      for_minutes=_shown(window.get("for_minutes")),
                      labels=", ".join(f"{k}={v}" for k, v in (window.get("labels") or {}).items()))
    elif kind == "log":
        values.update(log_service=_shown(window.get("service")), log_text=_shown(window.get("text")),
                      min_severity=_shown(window.get("min_severity", 0)))
    elif kind == "absence":
        values.update(absence_source=_shown(window.get("source")), absence_service=_shown(window.get("service")),
                      absence_kind=_shown(window.get("kind")))
    return values


def hours_of(raw: str) -> int:
    """The dry run's look-back in hours from the form (6 when it is not one of the choices)."""
    return int(raw) if raw.isdigit() and int(raw) in DRY_RUN_HOURS else DRY_RUN_HOURS[1]

