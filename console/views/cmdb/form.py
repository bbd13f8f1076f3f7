"""A CI's create and edit form: its fields as typed, turned into the API's ``CiInput`` / ``CiUpdateInput``.

Attributes are typed as a JSON object; text that is not JSON is refused here, with an error shaped like
the API's and naming the same field (``attributes``), so it shows beside the textarea and nothing is sent.
Whether the object fits the class's JSON Schema is the API's to say.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import FormData

from console.forms import FormProblem, text
from console.views.cmdb.list import enum_name
from domain import strict_json
from domain.cmdb.catalog import ENVIRONMENTS, LIFECYCLE

TEXT_FIELDS = ("class_key", "name", "description", "environment", "lifecycle_status", "owner_team", "attributes")
BLANK: dict[str, Any] = {**dict.fromkeys(TEXT_FIELDS, ""), "environment": "production",
                         "lifecycle_status": "active", "attributes": "{}"}


def form_values(form: FormData) -> dict[str, Any]:
    """The form's fields as the user sent them (kept to show the form again)."""
    return {name: text(form, name) for name in TEXT_FIELDS}


def attributes_of(raw: str) -> Any:
    """The attributes textarea as JSON (empty means none); FormProblem when it is not JSON."""
    if not raw:
        return {}
    try:
        return strict_json.loads(raw)
    except strict_json.BadJSON as bad:
        raise FormProblem(f"Attributes are {bad}.", "attributes") from None


def _choice(word: str, options: tuple[str, ...], label: str, field: str) -> dict[str, str]:
    """``{field: ENUM}`` for a chosen word; nothing when none was chosen (the API's default or no change)."""
    if not word:
        return {}
    if word not in options:
        raise FormProblem(f"{label} must be one of {', '.join(options)}.", field)
    return {field: enum_name(word)}


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    return {"name": values["name"], "description": values["description"],
            **_choice(values["environment"], ENVIRONMENTS, "Environment", "environment"),
            **_choice(values["lifecycle_status"], LIFECYCLE, "Lifecycle status", "lifecycleStatus"),
            "ownerTeam": values["owner_team"] or None, "attributes": attributes_of(values["attributes"])}


def create_input(values: dict[str, Any]) -> dict[str, Any]:
    """``CiInput`` from the new-CI form."""
    if not values["class_key"]:
        raise FormProblem("Choose a class.", "classKey")
    return {"classKey": values["class_key"], **_fields(values)}


def update_input(values: dict[str, Any], version: str) -> dict[str, Any]:
    """``CiUpdateInput`` from the edit form; ``version`` is the one the form was read at."""
    return {**_fields(values), "expectedVersion": int(version) if version.isdigit() else None}


def values_of(ci: dict[str, Any]) -> dict[str, Any]:
    """The form's fields for a stored CI (``ConfigurationItem`` from the API)."""
    return {"class_key": ci["classKey"], "name": ci["name"], "description": ci["description"],
            "environment": ci["environment"], "lifecycle_status": ci["lifecycleStatus"],
            "owner_team": ci["ownerTeam"] or "", "attributes": json.dumps(ci["attributes"], indent=2, sort_keys=True)}
