"""CI classes: the built-in hierarchy plus the tenant's own classes, and attribute validation."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError
from sqlalchemy import exists, select

from domain.cmdb.catalog import BUILTIN_CLASSES, CiClass
from domain.cmdb.models import ConfigurationItem, TenantCiClass
from domain.errors import Conflict, NotFound, ValidationFailed

if TYPE_CHECKING:
    from domain.uow import Transaction

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
MAX_DEPTH = 8
_CLASSES = "cmdb.classes"  # the transaction's copy of all_classes, in its session's info


def _from_row(row: TenantCiClass) -> CiClass:
    return CiClass(row.key, row.label, row.parent_key, row.attribute_schema, builtin=False)


async def all_classes(tx: Transaction) -> Mapping[str, CiClass]:
    """Every class the tenant can use: built-in ones first, then its own by key.

    Read once per transaction (an import asks for every row); creating or deleting a class forgets it.
    """
    known = tx.session.info.get(_CLASSES)
    if known is None:
        rows = await tx.session.scalars(select(TenantCiClass).where(TenantCiClass.tenant_id == tx.tenant_id)
                                        .order_by(TenantCiClass.key))
        known = tx.session.info[_CLASSES] = MappingProxyType(
            {**BUILTIN_CLASSES, **{row.key: _from_row(row) for row in rows}})
    return known


def ancestry(classes: Mapping[str, CiClass], key: str) -> list[CiClass]:
    """The class and its ancestors, nearest first."""
    chain, current = [], classes.get(key)
    while current is not None and len(chain) < MAX_DEPTH:
        chain.append(current)
        current = classes.get(current.parent) if current.parent else None
    return chain


def lineage(classes: Mapping[str, CiClass], key: str) -> set[str]:
    """The keys of a class and all its ancestors."""
    return {c.key for c in ancestry(classes, key)}


def check_class(classes: Mapping[str, CiClass], key: str, *, field: str = "classKey") -> list[CiClass]:
    """The ancestry of an existing class; a ValidationFailed naming ``field`` otherwise."""
    if key not in classes:
        raise ValidationFailed(f"Unknown CI class {key!r}.", field=field)
    return ancestry(classes, key)


class AttributeChecker:
    """Validates attributes against a class's schema and each ancestor's, its validators built once."""

    def __init__(self, chain: list[CiClass]) -> None:
        self.validators = [(c.key, Draft202012Validator(c.schema, format_checker=FormatChecker())) for c in chain]

    def __call__(self, attributes: Any, *, field: str = "attributes") -> dict[str, Any]:
        if not isinstance(attributes, dict):
            raise ValidationFailed("Attributes must be a JSON object.", field=field)
        for class_key, validator in self.validators:
            error = next(iter(validator.iter_errors(attributes)), None)
            if error is not None:
                where = ".".join(str(p) for p in error.absolute_path) or "(object)"
                raise ValidationFailed(f"Attribute {where} is invalid for class {class_key}: {error.message}",
                                       field=field)
        return attributes


def check_attributes(chain: list[CiClass], attributes: Any, *, field: str = "attributes") -> dict[str, Any]:
    """Validate attributes against the schema of the class and of each ancestor."""
    return AttributeChecker(chain)(attributes, field=field)


def _check_schema(schema: Any) -> dict[str, Any]:
    if not isinstance(schema, dict) or schema.get("type", "object") != "object":
        raise ValidationFailed("The attribute schema must be a JSON Schema of type object.", field="attributeSchema")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as bad:
        raise ValidationFailed(f"Invalid JSON Schema: {bad.message}", field="attributeSchema") from None
    return schema


async def create_class(tx: Transaction, *, key: str, label: str, parent: str, schema: Any, actor: str) -> CiClass:
    """Define a tenant class under ``parent`` with its own attribute schema."""
    key, label = key.strip(), label.strip()
    if not KEY_PATTERN.match(key):
        raise ValidationFailed("Class keys are 2-64 lowercase letters, digits and underscores.", field="key")
    if not 1 <= len(label) <= 100:
        raise ValidationFailed("The label must be 1-100 characters.", field="label")
    classes = await all_classes(tx)
    if key in classes:
        raise Conflict(f"A class {key!r} already exists.", field="key")
    if len(check_class(classes, parent, field="parent")) >= MAX_DEPTH - 1:
        raise ValidationFailed("Classes nest at most eight deep.", field="parent")
    row = TenantCiClass(tenant_id=tx.tenant_id, key=key, label=label, parent_key=parent,
                        attribute_schema=_check_schema(schema or {"type": "object"}), created_by=actor)
    tx.session.add(row)
    await tx.session.flush()
    tx.session.info.pop(_CLASSES, None)
    return _from_row(row)


async def delete_class(tx: Transaction, *, key: str) -> None:
    """Remove a tenant class that no CI and no other class uses."""
    row = await tx.session.scalar(select(TenantCiClass).where(TenantCiClass.tenant_id == tx.tenant_id,
                                                              TenantCiClass.key == key))
    if row is None:
        raise NotFound("No such tenant class (built-in classes cannot be removed).", field="key")
    used = await tx.session.scalar(select(exists().where(ConfigurationItem.tenant_id == tx.tenant_id,
                                                         ConfigurationItem.class_key == key)))
    children = await tx.session.scalar(select(exists().where(TenantCiClass.tenant_id == tx.tenant_id,
                                                             TenantCiClass.parent_key == key)))
    if used or children:
        raise Conflict(f"Class {key!r} is still used by configuration items or subclasses.", field="key")
    await tx.session.delete(row)
    tx.session.info.pop(_CLASSES, None)
