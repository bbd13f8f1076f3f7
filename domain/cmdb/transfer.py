"""Bulk import and export of CIs and relationships, as JSON or CSV.

A document has two parts: CIs (``class``, ``name``, ``environment``, ``lifecycle_status``,
``owner_team``, ``description``, ``attributes``; in CSV one ``attr.<key>`` column per attribute) and
relationships (``type``, ``source_class``, ``source_name``, ``target_class``, ``target_name``).
CIs are matched by class and name, so importing the same document twice changes nothing. Every row
is validated; if any row is wrong nothing is written and every problem is reported with its row.
The import is set-based (``importing`` plans it in Python, ``import_sql`` reads and writes whole
columns): a few statements however many rows.
"""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text

from domain import strict_json
from domain.cmdb.classes import all_classes
from domain.cmdb.import_sql import existing_cis, existing_relationships, fold_names, near_edges, write_plan
from domain.cmdb.importing import (
    ACYCLIC,
    CycleGuard,
    ImportResult,
    Plan,
    RowError,
    apply_ci_rows,
    check_ci_rows,
    class_of,
    plan_relationship,
    relationship_ends,
    resolve_ends,
    standard_json,
)
from domain.cmdb.models import CiRelationship, ConfigurationItem
from domain.cmdb.service import lock_cycle_checks
from domain.errors import DomainError, ValidationFailed
from domain.text import UNSTORABLE_MESSAGE, all_storable, storable

if TYPE_CHECKING:
    from domain.uow import Transaction

__all__ = ["ImportRejected", "ImportResult", "RowError", "export_document", "import_document", "parse_document"]

FORMATS = ("json", "csv")
MAX_CIS, MAX_RELATIONSHIPS, MAX_ERRORS = 10_000, 50_000, 200
CI_COLUMNS = ("class", "name", "environment", "lifecycle_status", "owner_team", "description")
REL_COLUMNS = ("type", "source_class", "source_name", "target_class", "target_name")
ATTR_PREFIX = "attr."


class ImportRejected(DomainError):
    """Some rows are wrong; nothing was imported."""

    code = "IMPORT_REJECTED"

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} row(s) are invalid; nothing was imported.")
        self.errors = errors


def _json_rows(text: str, part: str) -> list[dict[str, Any]]:
    try:
        rows = standard_json(text) if text.strip() else []
    except strict_json.BadJSON as bad:
        raise ValidationFailed(f"The {part} part is {bad}.", field=part) from None
    if isinstance(rows, dict) and part in rows:
        rows = rows[part]
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValidationFailed(f"The {part} part must be a JSON array of objects.", field=part)
    return rows


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


async def import_document(tx: Transaction, *, format: str, cis: str, relationships: str, actor: str) -> ImportResult:
    """Import both parts; raises ImportRejected (the caller rolls back) when any row is wrong."""
    ci_rows, rel_rows = parse_document(format=format, cis=cis, relationships=relationships)
    await tx.session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
                             {"k": f"cmdb-import:{tx.tenant_id}"})  # one import at a time per tenant
    classes, plan = await all_classes(tx), Plan()
    checked = check_ci_rows(ci_rows, classes, plan, texts_checked=_storable_document(format, cis))
    storable_rels = _storable_relationships(rel_rows, plan, texts_checked=_storable_document(format, relationships))
    fold = (await fold_names(tx, {v["name"] for v in checked.values()} | _end_names(storable_rels))).__getitem__
    ends_of = {index: relationship_ends(row, fold) for index, row in storable_rels.items()}
    existing = await existing_cis(tx, {(class_of(ci_rows[i]), fold(v["name"])) for i, v in checked.items()}
                                  | {key for pair in ends_of.values() for key in pair})
    apply_ci_rows(ci_rows, checked, existing, fold, plan)
    await _plan_relationships(tx, storable_rels, ends_of, existing, classes, plan)
    errors = sorted(plan.result.errors, key=lambda e: (e.part != "cis", e.row))
    if errors:
        raise ImportRejected(errors[:MAX_ERRORS])
    await write_plan(tx, plan, actor=actor)
    return plan.result


def _storable_document(format: str, document: str) -> bool:
    """Whether every text read from ``document`` is storable, judged from the document alone: CSV cells
    are its own characters; JSON strings are too, unless an escape (``\\u0000``, ``\\ud800``) is used."""
    return storable(document) and (format == "csv" or "\\u" not in document)


def _storable_relationships(rows: list[dict[str, Any]], plan: Plan, *, texts_checked: bool
                            ) -> dict[int, dict[str, Any]]:
    """The relationship rows by 1-based index, refusing those holding text PostgreSQL cannot store."""
    kept = {}
    for index, row in enumerate(rows, start=1):
        if texts_checked or all_storable(row):
            kept[index] = row
        else:
            plan.refuse("relationships", index, ValidationFailed(UNSTORABLE_MESSAGE))
    return kept


def _end_names(rows: dict[int, dict[str, Any]]) -> set[str]:
    return {str(row.get(f"{end}_name") or "").strip() for row in rows.values() for end in ("source", "target")}


async def _plan_relationships(tx: Transaction, rows: dict[int, dict], ends_of: dict, existing: dict, classes,
                              plan: Plan) -> None:
    """Resolve every row's ends, then check and plan the relationships that do not exist yet, in file order."""
    resolved = {}
    for index, row in rows.items():
        try:
            resolved[index] = resolve_ends(row, ends_of[index], plan, existing)
        except DomainError as bad:
            plan.refuse("relationships", index, bad)
    type_of = {index: str(rows[index].get("type") or "") for index in resolved}
    known = await existing_relationships(tx, {(s.id, type_of[i], t.id) for i, (s, t) in resolved.items()
                                              if not (s.new or t.new)})
    new = {i for i, (s, t) in resolved.items() if (s.id, type_of[i], t.id) not in known}  # to check for cycles
    types = {type_of[i] for i in new} & set(ACYCLIC)
    if types:
        await lock_cycle_checks(tx, sorted(types))
    guard = CycleGuard(await near_edges(tx, {(resolved[i][1].id, type_of[i]) for i in new}))
    for index, ends in resolved.items():
        try:
            plan_relationship(rows[index], ends, classes, known, guard, plan)
        except DomainError as bad:
            plan.refuse("relationships", index, bad)


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
