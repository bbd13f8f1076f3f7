"""Bulk import and export of CIs and relationships, as JSON or CSV.

A document has two parts: CIs (``class``, ``name``, ``environment``, ``lifecycle_status``,
``owner_team``, ``description``, ``attributes``; in CSV one ``attr.<key>`` column per attribute) and
relationships (``type``, ``source_class``, ``source_name``, ``target_class``, ``target_name``).
CIs are matched by class and name, so importing the same document twice changes nothing. Every row
is validated; if any row is wrong nothing is written and every problem is reported with its row.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from domain import strict_json
from domain.cmdb.classes import all_classes, check_class
from domain.cmdb.models import CiRelationship, ConfigurationItem
from domain.cmdb.service import EDITABLE, CiDraft, create_ci, create_relationship, find_relationship, update_ci
from domain.errors import DomainError, ValidationFailed
from domain.text import UNSTORABLE_MESSAGE, all_storable

if TYPE_CHECKING:
    from domain.uow import Transaction

FORMATS = ("json", "csv")
MAX_CIS, MAX_RELATIONSHIPS, MAX_ERRORS = 10_000, 50_000, 200
CI_COLUMNS = ("class", "name", "environment", "lifecycle_status", "owner_team", "description")
REL_COLUMNS = ("type", "source_class", "source_name", "target_class", "target_name")
ATTR_PREFIX = "attr."


@dataclass(frozen=True)
class RowError:
    part: str  # "cis" or "relationships"
    row: int   # 1-based position among the part's data rows
    field: str | None
    message: str


class ImportRejected(DomainError):
    """Some rows are wrong; nothing was imported."""

    code = "IMPORT_REJECTED"

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} row(s) are invalid; nothing was imported.")
        self.errors = errors


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    relationships_created: int = 0
    relationships_unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is out of range")
    return number


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _standard_json(text: str) -> Any:
    """JSON as the standard has it: no NaN or Infinity, no number too large for a float."""
    return strict_json.loads(text, parse_float=_finite, parse_constant=_no_constants)


def _json_rows(text: str, part: str) -> list[dict[str, Any]]:
    try:
        rows = _standard_json(text) if text.strip() else []
    except strict_json.BadJSON as bad:
        raise ValidationFailed(f"The {part} part is {bad}.", field=part) from None
    if isinstance(rows, dict) and part in rows:
        rows = rows[part]
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValidationFailed(f"The {part} part must be a JSON array of objects.", field=part)
    return rows


def _declared_types(chain: list) -> dict[str, Any]:
    declared: dict[str, Any] = {}
    for ci_class in reversed(chain):
        for name, spec in (ci_class.schema.get("properties") or {}).items():
            declared[name] = spec.get("type") if isinstance(spec, dict) else None
    return declared


def _typed_csv_attributes(chain: list, attributes: dict[str, str]) -> dict[str, Any]:
    """CSV cells are text; attributes the class declares as numbers, booleans, arrays or objects are JSON."""
    declared = _declared_types(chain)
    typed = {}
    for name, raw in attributes.items():
        kind = declared.get(name)
        if kind in (None, "string") or (isinstance(kind, list) and "string" in kind):
            typed[name] = raw
            continue
        try:
            typed[name] = _standard_json(raw)
        except strict_json.BadJSON:
            raise ValidationFailed(f"Attribute {name} must be {kind}, got {raw!r}.", field=f"attr.{name}") from None
    return typed


def _csv_rows(text: str, part: str, required: tuple[str, ...]) -> list[dict[str, Any]]:
    if not text.strip():
        return []
    try:
        return _csv_lines(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), strict=True), part, required)
    except csv.Error as bad:
        raise ValidationFailed(f"The {part} CSV is malformed: {bad}.", field=part) from None


def _csv_lines(reader: csv.DictReader, part: str, required: tuple[str, ...]) -> list[dict[str, Any]]:
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationFailed(f"The {part} CSV lacks the column(s) {', '.join(missing)}.", field=part)
    rows = []
    for line in reader:
        row: dict[str, Any] = {k: (v or "").strip() for k, v in line.items() if k and not k.startswith(ATTR_PREFIX)}
        row["attributes"] = {k[len(ATTR_PREFIX):]: v for k, v in line.items()
                             if k and k.startswith(ATTR_PREFIX) and v not in (None, "")}
        row["_csv"] = True
        rows.append(row)
    return rows


def parse_document(*, format: str, cis: str, relationships: str) -> tuple[list[dict], list[dict]]:
    """The rows of both parts, or a ValidationFailed about a whole part."""
    if format not in FORMATS:
        raise ValidationFailed(f"Format must be one of {', '.join(FORMATS)}.", field="format")
    if format == "json":
        ci_rows, rel_rows = _json_rows(cis, "cis"), _json_rows(relationships, "relationships")
        rel_rows = [_flatten_ends(r) for r in rel_rows]
    else:
        ci_rows = _csv_rows(cis, "cis", ("class", "name"))
        rel_rows = _csv_rows(relationships, "relationships", REL_COLUMNS)
    if len(ci_rows) > MAX_CIS or len(rel_rows) > MAX_RELATIONSHIPS:
        raise ValidationFailed(f"At most {MAX_CIS} CIs and {MAX_RELATIONSHIPS} relationships per import.",
                               field="cis")
    return ci_rows, rel_rows


def _flatten_ends(row: dict[str, Any]) -> dict[str, Any]:
    """Accept ``{"source": {"class", "name"}}`` as well as flat ``source_class``/``source_name``."""
    flat = dict(row)
    for end in ("source", "target"):
        if isinstance(row.get(end), dict):
            flat[f"{end}_class"] = row[end].get("class")
            flat[f"{end}_name"] = row[end].get("name")
    return flat


def _draft(row: dict[str, Any]) -> CiDraft:
    attributes = row.get("attributes") or {}
    return CiDraft(class_key=str(row.get("class") or "").strip(), name=str(row.get("name") or ""),
                   description=str(row.get("description") or ""),
                   environment=str(row.get("environment") or "production"),
                   lifecycle_status=str(row.get("lifecycle_status") or "active"),
                   owner_team=str(row["owner_team"]) if row.get("owner_team") else None, attributes=attributes)


async def _find(tx: Transaction, class_key: str, name: str) -> ConfigurationItem | None:
    return await tx.session.scalar(select(ConfigurationItem).where(
        ConfigurationItem.tenant_id == tx.tenant_id, ConfigurationItem.class_key == class_key,
        func.lower(ConfigurationItem.name) == name.strip().lower()))


async def _import_ci(tx: Transaction, row: dict[str, Any], actor: str, result: ImportResult) -> None:
    draft = _draft(row)
    if row.get("_csv"):
        chain = check_class(await all_classes(tx), draft.class_key, field="class")
        draft.attributes = _typed_csv_attributes(chain, draft.attributes)
    existing = await _find(tx, draft.class_key, draft.name) if draft.class_key and draft.name.strip() else None
    if existing is None:
        await create_ci(tx, draft=draft, actor=actor, source="import")
        result.created += 1
        return
    wanted = {name: getattr(draft, name) for name in EDITABLE}
    wanted["name"] = existing.name if existing.name.lower() == draft.name.strip().lower() else draft.name
    changes = {k: v for k, v in wanted.items() if getattr(existing, k) != v}
    if not changes:
        result.unchanged += 1
        return
    await update_ci(tx, ci_id=existing.id, changes=changes, actor=actor)
    result.updated += 1


async def _import_relationship(tx: Transaction, row: dict[str, Any], actor: str, result: ImportResult) -> None:
    ends = []
    for end in ("source", "target"):
        class_key, name = str(row.get(f"{end}_class") or ""), str(row.get(f"{end}_name") or "")
        ci = await _find(tx, class_key, name)
        if ci is None:
            raise ValidationFailed(f"No {class_key or '?'} named {name or '?'} (in this file or the CMDB).",
                                   field=f"{end}_name")
        ends.append(ci)
    type = str(row.get("type") or "")
    if await find_relationship(tx, type=type, source_id=ends[0].id, target_id=ends[1].id) is not None:
        result.relationships_unchanged += 1
        return
    await create_relationship(tx, type=type, source_id=ends[0].id, target_id=ends[1].id, actor=actor, origin="import")
    result.relationships_created += 1


async def import_document(tx: Transaction, *, format: str, cis: str, relationships: str, actor: str) -> ImportResult:
    """Import both parts; raises ImportRejected (the caller rolls back) when any row is wrong."""
    ci_rows, rel_rows = parse_document(format=format, cis=cis, relationships=relationships)
    result = ImportResult()
    for part, rows, handle in (("cis", ci_rows, _import_ci), ("relationships", rel_rows, _import_relationship)):
        for index, row in enumerate(rows, start=1):
            try:
                if not all_storable(row):
                    raise ValidationFailed(UNSTORABLE_MESSAGE)
                await handle(tx, row, actor, result)
            except DomainError as bad:
                result.errors.append(RowError(part, index, bad.field, bad.message))
            except RecursionError:
                result.errors.append(RowError(part, index, "attributes", "Attributes are nested too deeply."))
                if len(result.errors) >= MAX_ERRORS:
                    raise ImportRejected(result.errors) from None
    if result.errors:
        raise ImportRejected(result.errors)
    return result


async def export_document(tx: Transaction, *, format: str) -> tuple[str, str]:
    """The tenant's CIs and relationships as (cis, relationships) in ``format``."""
    if format not in FORMATS:
        raise ValidationFailed(f"Format must be one of {', '.join(FORMATS)}.", field="format")
    cis = list(await tx.session.scalars(select(ConfigurationItem).where(ConfigurationItem.tenant_id == tx.tenant_id)
                                        .order_by(ConfigurationItem.class_key, ConfigurationItem.name)))
    by_id = {ci.id: ci for ci in cis}
    rels = await tx.session.scalars(select(CiRelationship).where(CiRelationship.tenant_id == tx.tenant_id))
    ci_rows = [{"class": ci.class_key, "name": ci.name, "environment": ci.environment,
                "lifecycle_status": ci.lifecycle_status, "owner_team": ci.owner_team or "",
                "description": ci.description, "attributes": ci.attributes} for ci in cis]
    rel_rows = sorted(({"type": r.type, "source_class": by_id[r.source_id].class_key,
                        "source_name": by_id[r.source_id].name, "target_class": by_id[r.target_id].class_key,
                        "target_name": by_id[r.target_id].name} for r in rels),
                      key=lambda r: tuple(r.values()))
    if format == "json":
        return json.dumps(ci_rows, indent=1, sort_keys=True), json.dumps(rel_rows, indent=1, sort_keys=True)
    return _ci_csv(ci_rows), _csv_text(REL_COLUMNS, rel_rows)


def _ci_csv(rows: list[dict[str, Any]]) -> str:
    keys = sorted({key for row in rows for key in row["attributes"]})
    flat = [{**{k: row[k] for k in CI_COLUMNS},
             **{ATTR_PREFIX + k: (v if isinstance(v, str) else json.dumps(v)) for k, v in row["attributes"].items()}}
            for row in rows]
    return _csv_text((*CI_COLUMNS, *(ATTR_PREFIX + k for k in keys)), flat)


def _csv_text(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
