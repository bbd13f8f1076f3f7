"""Runbooks and workflows: save, publish, archive, import and export as YAML.

A runbook name has versions: saving a name whose latest version is a draft changes that draft;
otherwise it starts the next version as a draft. Publishing a draft archives the version that was
published before, so a name has at most one published version (the one workflows run).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import yaml
from sqlalchemy import func, select, update

from domain import clock
from domain.automation import spec as specs
from domain.automation.models import Runbook, Workflow
from domain.errors import Conflict, NotFound, ValidationFailed

if TYPE_CHECKING:
    from domain.uow import Transaction

MAX_YAML = 200_000


async def _latest(tx: Transaction, name: str) -> Runbook | None:
    return await tx.session.scalar(select(Runbook).where(Runbook.tenant_id == tx.tenant_id, Runbook.name == name)
                                   .order_by(Runbook.version.desc()).limit(1).with_for_update())


async def save_runbook(tx: Transaction, *, spec: specs.RunbookSpec, actor: str) -> Runbook:
    """Change the draft of ``spec.name``, or start its next version as a draft."""
    latest = await _latest(tx, spec.name)
    body = {"description": spec.description, "inputs_schema": spec.inputs,
            "steps": [step.model_dump(mode="json") for step in spec.steps]}
    if latest is not None and latest.status == "draft":
        for key, value in body.items():
            setattr(latest, key, value)
        latest.updated_at = clock.now()
        return latest
    runbook = Runbook(tenant_id=tx.tenant_id, name=spec.name, version=(latest.version + 1) if latest else 1,
                      status="draft", created_by=actor, updated_at=clock.now(), **body)
    tx.session.add(runbook)
    await tx.session.flush()
    return runbook


async def runbook_by_id(tx: Transaction, runbook_id: uuid.UUID, *, lock: bool = False) -> Runbook:
    """The runbook version ``runbook_id`` of this tenant."""
    query = select(Runbook).where(Runbook.tenant_id == tx.tenant_id, Runbook.id == runbook_id)
    found = await tx.session.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise NotFound("No such runbook.", field="id")
    return found


async def publish_runbook(tx: Transaction, *, runbook_id: uuid.UUID) -> Runbook:
    """Publish a draft; the version published before is archived."""
    runbook = await runbook_by_id(tx, runbook_id, lock=True)
    if runbook.status != "draft":
        raise Conflict(f"Only a draft can be published; version {runbook.version} is {runbook.status}.", field="id")
    await tx.session.execute(update(Runbook).where(
        Runbook.tenant_id == tx.tenant_id, Runbook.name == runbook.name, Runbook.status == "published")
        .values(status="archived", updated_at=clock.now()))
    runbook.status, runbook.updated_at = "published", clock.now()
    return runbook


async def archive_runbook(tx: Transaction, *, runbook_id: uuid.UUID) -> Runbook:
    """Archive a version: workflows no longer run it."""
    runbook = await runbook_by_id(tx, runbook_id, lock=True)
    runbook.status, runbook.updated_at = "archived", clock.now()
    return runbook


async def published_runbook(tx: Transaction, name: str) -> Runbook | None:
    """The published version of ``name``, if any."""
    return await tx.session.scalar(select(Runbook).where(
        Runbook.tenant_id == tx.tenant_id, Runbook.name == name, Runbook.status == "published"))


async def save_workflow(tx: Transaction, *, spec: specs.WorkflowSpec, actor: str) -> Workflow:
    """Create or change the workflow called ``spec.name``."""
    workflow = await tx.session.scalar(select(Workflow).where(
        Workflow.tenant_id == tx.tenant_id, Workflow.name == spec.name).with_for_update())
    if workflow is None:
        workflow = Workflow(tenant_id=tx.tenant_id, name=spec.name, created_by=actor)
        tx.session.add(workflow)
    workflow.trigger, workflow.condition, workflow.runbook_name = spec.trigger, spec.condition, spec.runbook
    workflow.inputs, workflow.enabled, workflow.max_concurrent = spec.inputs, spec.enabled, spec.max_concurrent
    if workflow.schedule != spec.schedule:
        workflow.schedule, workflow.last_fired_at = spec.schedule, clock.now()  # first run: the next occurrence
    await tx.session.flush()
    return workflow


async def has_workflows(tx: Transaction, trigger: str) -> bool:
    """Whether an enabled workflow listens to ``trigger`` (one short query; callers skip work otherwise)."""
    return bool(await tx.session.scalar(select(func.count()).select_from(Workflow).where(
        Workflow.tenant_id == tx.tenant_id, Workflow.trigger == trigger, Workflow.enabled.is_(True))))


def runbook_spec(runbook: Runbook) -> specs.RunbookSpec:
    """The spec a stored version was saved from."""
    return specs.RunbookSpec.model_validate({"name": runbook.name, "description": runbook.description,
                                             "inputs": runbook.inputs_schema, "steps": runbook.steps})


def runbook_yaml(runbook: Runbook) -> str:
    """The version as a YAML document (importing it gives the same runbook)."""
    spec = runbook_spec(runbook).model_dump(mode="json", exclude_defaults=True)
    return yaml.safe_dump({"apiVersion": "atlas/v1", "kind": "Runbook", "spec": spec}, sort_keys=False)


def workflow_yaml(workflow: Workflow) -> str:
    """The workflow as a YAML document."""
    spec = specs.WorkflowSpec(name=workflow.name, trigger=workflow.trigger, condition=workflow.condition,
                              runbook=workflow.runbook_name, inputs=workflow.inputs, enabled=workflow.enabled,
                              max_concurrent=workflow.max_concurrent, schedule=workflow.schedule)
    return yaml.safe_dump({"apiVersion": "atlas/v1", "kind": "Workflow",
                           "spec": spec.model_dump(mode="json", exclude_defaults=True)}, sort_keys=False)


def read_yaml(text: str) -> specs.RunbookDocument | specs.WorkflowDocument:
    """Parse and validate one YAML document."""
    if len(text) > MAX_YAML:
        raise ValidationFailed(f"The document is longer than {MAX_YAML} characters.", field="yaml")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as bad:
        mark = getattr(bad, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ValidationFailed(f"The document is not valid YAML{where}.", field="yaml") from None
    return specs.parse_document(data)


async def import_yaml(tx: Transaction, *, text: str, actor: str) -> Runbook | Workflow:
    """Save the runbook (as a draft) or workflow a YAML document describes."""
    document = read_yaml(text)
    if isinstance(document, specs.RunbookDocument):
        return await save_runbook(tx, spec=document.spec, actor=actor)
    return await save_workflow(tx, spec=document.spec, actor=actor)
