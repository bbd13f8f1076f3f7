"""The set-based import plan: every row checked in Python, then what to insert and update.

CI rows are checked one class at a time (the class's JSON Schema validators built once), by the
same rules as creating a CI one by one, in the same order, so each row gets the error it always
got. Valid rows are then applied in file order to the CIs found in the database (or planned by an
earlier row), which decides created / updated / unchanged and the history each change leaves.
Relationship rows resolve their ends among those CIs, skip relationships that already exist, and
are checked for type, class pair and cycles against the existing edges plus the planned ones.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from domain import strict_json
from domain.cmdb.catalog import RELATIONSHIP_TYPES, CiClass
from domain.cmdb.classes import AttributeChecker, check_class
from domain.cmdb.history import CI_FIELDS
from domain.cmdb.service import EDITABLE, check_fields, check_relationship_shape, cycle_refused
from domain.errors import DomainError, ValidationFailed
from domain.text import UNSTORABLE_MESSAGE, all_storable


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is out of range")
    return number


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def standard_json(text: str) -> Any:
    """JSON as the standard has it: no NaN or Infinity, no number too large for a float."""
    return strict_json.loads(text, parse_float=_finite, parse_constant=_no_constants)


Key = tuple[str, str]  # (class key, name folded by PostgreSQL's lower())
Fold = Callable[[str], str]


@dataclass(frozen=True)
class RowError:
    part: str  # "cis" or "relationships"
    row: int   # 1-based position among the part's data rows
    field: str | None
    message: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    relationships_created: int = 0
    relationships_unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


@dataclass
class PlannedCi:
    """A CI as the import leaves it: one already in the database, or a new one."""

    id: uuid.UUID
    class_key: str
    values: dict[str, Any]  # the editable fields
    source: str = "import"
    stale: bool = False
    version: int = 1
    loaded_version: int = 0  # the version read from the database (an update expects it unchanged)
    new: bool = True
    changed: bool = False

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> PlannedCi:
        return cls(id=row["id"], class_key=row["class_key"], values={k: row[k] for k in EDITABLE},
                   source=row["source"], stale=row["stale"], version=row["version"], loaded_version=row["version"],
                   new=False)

    @property
    def name(self) -> str:
        return self.values["name"]

    def snapshot(self) -> dict[str, Any]:
        """What the history records of a CI (as ``history.ci_snapshot``)."""
        every = {**self.values, "class_key": self.class_key, "source": self.source, "stale": self.stale}
        return {name: every[name] for name in CI_FIELDS}


@dataclass
class Plan:
    """Everything the import will write, in the order it happened."""

    cis: dict[Key, PlannedCi] = field(default_factory=dict)
    relationships: list[tuple[uuid.UUID, str, uuid.UUID, uuid.UUID]] = field(default_factory=list)  # id, type, s, t
    history: list[tuple[uuid.UUID, str, uuid.UUID | None, dict | None, dict | None]] = field(default_factory=list)
    result: ImportResult = field(default_factory=ImportResult)

    def refuse(self, part: str, row: int, error: DomainError) -> None:
        self.result.errors.append(RowError(part, row, error.field, error.message))


def class_of(row: dict[str, Any]) -> str:
    """The class a CI row names."""
    return str(row.get("class") or "").strip()


def _draft_values(row: dict[str, Any]) -> dict[str, Any]:
    """The editable fields a CI row states, with the defaults of a new CI."""
    return {
        "name": str(row.get("name") or ""), "description": str(row.get("description") or ""),
        "environment": str(row.get("environment") or "production"),
        "lifecycle_status": str(row.get("lifecycle_status") or "active"),
        "owner_team": str(row["owner_team"]) if row.get("owner_team") else None,
        "attributes": row.get("attributes") or {}}


class ClassRows:
    """The checks of one class's rows, its schema validators and declared attribute types built once."""

    def __init__(self, classes: Mapping[str, CiClass], class_key: str) -> None:
        self.class_key = class_key
        self.chain = check_class(classes, class_key) if class_key in classes else None
        self.checker = AttributeChecker(self.chain) if self.chain else None

    def check(self, row: dict[str, Any], *, texts_checked: bool = False) -> dict[str, Any]:
        """The row's normalised fields, or the first DomainError creating it one by one would raise."""
        if not texts_checked and not all_storable(row):
            raise ValidationFailed(UNSTORABLE_MESSAGE)
        values = _draft_values(row)
        if row.get("_csv"):
            if self.chain is None:
                raise ValidationFailed(f"Unknown CI class {self.class_key!r}.", field="class")
            values["attributes"] = typed_csv_attributes(self.chain, values["attributes"])
        values = check_fields(values)
        if self.chain is None:
            raise ValidationFailed(f"Unknown CI class {self.class_key!r}.", field="classKey")
        self.checker(values["attributes"])
        return values


def check_ci_rows(rows: list[dict[str, Any]], classes: Mapping[str, CiClass], plan: Plan, *,
                  texts_checked: bool = False) -> dict[int, dict]:
    """Check the rows one class at a time; the normalised fields of each good row, by row index.

    ``texts_checked``: the document's text was found storable as a whole, so no row needs the check.
    """
    by_class: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        by_class[class_of(row)].append(index)
    checked: dict[int, dict] = {}
    for class_key, indexes in by_class.items():
        rules = ClassRows(classes, class_key)
        for index in indexes:
            try:
                checked[index] = rules.check(rows[index], texts_checked=texts_checked)
            except DomainError as bad:
                plan.refuse("cis", index + 1, bad)
            except RecursionError:
                plan.result.errors.append(RowError("cis", index + 1, "attributes", "Attributes are nested too deeply."))
    return checked


def apply_ci_rows(rows: list[dict[str, Any]], checked: dict[int, dict], existing: dict[Key, Mapping],
                  fold: Fold, plan: Plan) -> None:
    """Apply the good rows in file order: create, update or leave each CI, recording its history."""
    for index in sorted(checked):
        values = checked[index]
        key = (class_of(rows[index]), fold(values["name"]))
        current = plan.cis.get(key)
        if current is None and key in existing:
            current = plan.cis[key] = PlannedCi.from_row(existing[key])
        if current is None:
            created = plan.cis[key] = PlannedCi(id=uuid.uuid4(), class_key=key[0], values=values)
            plan.history.append((created.id, "created", None, None, created.snapshot()))
            plan.result.created += 1
            continue
        changes = {k: v for k, v in {**values, "name": current.name}.items() if current.values[k] != v}
        if not changes:
            plan.result.unchanged += 1
            continue
        before = {k: current.values[k] for k in changes}
        current.values.update(changes)
        current.version, current.changed = current.version + 1, True
        plan.history.append((current.id, "updated", None, before, changes))
        plan.result.updated += 1


def typed_csv_attributes(chain: list[CiClass], attributes: dict[str, str]) -> dict[str, Any]:
    """CSV cells are text; attributes the class declares as numbers, booleans, arrays or objects are JSON."""
    declared: dict[str, Any] = {}
    for ci_class in reversed(chain):
        for name, spec in (ci_class.schema.get("properties") or {}).items():
            declared[name] = spec.get("type") if isinstance(spec, dict) else None
    typed = {}
    for name, raw in attributes.items():
        kind = declared.get(name)
        if kind in (None, "string") or (isinstance(kind, list) and "string" in kind):
            typed[name] = raw
            continue
        try:
            typed[name] = standard_json(raw)
        except strict_json.BadJSON:
            raise ValidationFailed(f"Attribute {name} must be {kind}, got {raw!r}.", field=f"attr.{name}") from None
    return typed


def relationship_ends(row: dict[str, Any], fold: Fold) -> tuple[Key, Key]:
    """The (class, folded name) of a relationship row's source and target."""
    return tuple((str(row.get(f"{end}_class") or ""), fold(str(row.get(f"{end}_name") or "").strip()))
                 for end in ("source", "target"))


def resolve_ends(row: dict[str, Any], keys: tuple[Key, Key], plan: Plan,
                 existing: dict[Key, Mapping]) -> tuple[PlannedCi, PlannedCi]:
    """The two CIs a relationship row names, from the file or the database; ValidationFailed if one is neither."""
    ends = []
    for end, key in zip(("source", "target"), keys, strict=True):
        found = plan.cis.get(key) or (PlannedCi.from_row(existing[key]) if key in existing else None)
        if found is None:
            name = str(row.get(f"{end}_name") or "")
            raise ValidationFailed(f"No {key[0] or '?'} named {name or '?'} (in this file or the CMDB).",
                                   field=f"{end}_name")
        ends.append(found)
    return ends[0], ends[1]


class CycleGuard:
    """Relationships of the types that forbid cycles: the existing ones near the file's, plus the planned."""

    def __init__(self, edges: list[tuple[str, uuid.UUID, uuid.UUID]]) -> None:
        self.forward: dict[tuple[str, uuid.UUID], list[uuid.UUID]] = defaultdict(list)
        for type, source, target in edges:
            self.forward[type, source].append(target)

    def leads(self, type: str, start: uuid.UUID, goal: uuid.UUID) -> bool:
        """Whether ``goal`` is reached from ``start`` following ``type`` relationships."""
        stack, seen = [start], {start}
        while stack:
            here = stack.pop()
            if here == goal:
                return True
            for there in self.forward.get((type, here), ()):
                if there not in seen:
                    seen.add(there)
                    stack.append(there)
        return False

    def add(self, type: str, source: uuid.UUID, target: uuid.UUID) -> None:
        self.forward[type, source].append(target)


def plan_relationship(row: dict[str, Any], ends: tuple[Any, Any], classes: Mapping[str, CiClass],
                      known: set[tuple[uuid.UUID, str, uuid.UUID]], guard: CycleGuard, plan: Plan) -> None:
    """Count an existing relationship as unchanged, or check a new one and plan it (with both ends' history)."""
    source, target = ends
    type = str(row.get("type") or "")
    if (source.id, type, target.id) in known:
        plan.result.relationships_unchanged += 1
        return
    kind = check_relationship_shape(classes, type=type, source=source, target=target)
    if not kind.allows_cycles:
        if guard.leads(type, target.id, source.id):
            raise cycle_refused(type, source_name=source.name, target_name=target.name)
        guard.add(type, source.id, target.id)
    relationship_id = uuid.uuid4()
    known.add((source.id, type, target.id))
    plan.relationships.append((relationship_id, type, source.id, target.id))
    snapshot = {"type": type, "source_id": str(source.id), "target_id": str(target.id), "source": source.name,
                "target": target.name, "origin": "import"}
    plan.history.extend((end, "relationship_added", relationship_id, None, snapshot) for end in (source.id, target.id))
    plan.result.relationships_created += 1


ACYCLIC = tuple(key for key, kind in RELATIONSHIP_TYPES.items() if not kind.allows_cycles)
