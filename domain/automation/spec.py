"""What a runbook and a workflow may say: typed steps, validated once, with a published JSON Schema.

The same models validate GraphQL input and the YAML documents teams keep in git
(``apiVersion: atlas/v1``, ``kind: Runbook`` or ``kind: Workflow``); :func:`document_schema` is the
JSON Schema of those documents (served at ``/api/automation/schema.json``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import jsonschema
from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator

from domain.alerting.cel import compile_condition
from domain.errors import ValidationFailed

NAME = r"^[a-z0-9][a-z0-9_.-]{0,99}$"
TRIGGERS = ("incident.created", "incident.changed", "alert.firing", "change.approved", "change.implemented",
            "sla.warning", "schedule", "manual", "webhook")
MUTATION_ACTIONS = ("incident.comment", "incident.transition")
MAX_STEPS = 50


class _Step(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=NAME, description="Unique within the runbook; later steps read `steps.<name>`.")
    retries: int = Field(0, ge=0, le=5, description="Tries after the first failure, with doubling delays.")
    retry_delay: float = Field(1.0, ge=0, le=3600, description="Seconds before the first retry.")
    timeout: float = Field(60, gt=0, le=3600, description="Seconds the step may take.")


class ManualStep(_Step):
    kind: Literal["manual"]
    instructions: str = Field("", max_length=5000)


class HttpStep(_Step):
    kind: Literal["http"]
    url: str = Field(max_length=2000)
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    headers: dict[str, str] = Field(default_factory=dict)
    secret_headers: dict[str, str] = Field(default_factory=dict,
                                           description="Header -> secret name, read from the secrets provider.")
    body: Any = None


class AgentStep(_Step):
    kind: Literal["agent"]
    command: str = Field(min_length=1, max_length=200, description="Must be on the agent's own allow list.")
    args: list[str] = Field(default_factory=list, max_length=50)
    agent: str | None = Field(None, description="The agent's name; or any agent holding every label.")
    labels: list[str] = Field(default_factory=list, max_length=20)


class MutationStep(_Step):
    kind: Literal["mutation"]
    action: Literal["incident.comment", "incident.transition"]
    params: dict[str, Any] = Field(default_factory=dict)


class WaitStep(_Step):
    kind: Literal["wait"]
    seconds: float = Field(ge=0, le=86_400)


class ConditionStep(_Step):
    kind: Literal["condition"]
    when: str = Field(description="CEL over `run.inputs`, `run.subject`, `run.steps`; false skips the rest.")

    @field_validator("when")
    @classmethod
    def _cel(cls, value: str) -> str:
        compile_condition(value, root="run")
        return value


class ApprovalStep(_Step):
    kind: Literal["approval"]
    permission: str = "automation.run"
    ttl_minutes: int = Field(60, ge=1, le=10_080)
    allow_requester: bool = False
    summary: str = Field("", max_length=2000)


Step = Annotated[ManualStep | HttpStep | AgentStep | MutationStep | WaitStep | ConditionStep | ApprovalStep,
                 Field(discriminator="kind")]


class RunbookSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=NAME)
    description: str = Field("", max_length=5000)
    inputs: dict[str, Any] = Field(default_factory=dict, description="JSON Schema of the run's inputs.")
    steps: list[Step] = Field(min_length=1, max_length=MAX_STEPS)

    @field_validator("inputs")
    @classmethod
    def _schema(cls, value: dict) -> dict:
        try:
            jsonschema.Draft202012Validator.check_schema(value)
        except jsonschema.SchemaError as bad:
            raise ValueError(f"inputs is not a valid JSON Schema: {bad.message}") from None
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> RunbookSpec:
        names = [step.name for step in self.steps]
        if len(set(names)) != len(names):
            raise ValueError("step names must be unique")
        return self


class WorkflowSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=NAME)
    trigger: Literal[TRIGGERS]  # type: ignore[valid-type]
    condition: str = Field("", description="CEL over `incident` (incident triggers) or `event` (the others: "
                                           "a webhook's JSON body, a schedule's occurrence).")
    runbook: str = Field(pattern=NAME, description="Runs the published version of this runbook.")
    inputs: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True
    max_concurrent: int = Field(3, ge=1, le=100, description="Runs of this workflow at once; more are skipped.")
    schedule: str | None = Field(None, max_length=100, description="Cron expression (UTC) of a `schedule` trigger.")

    @model_validator(mode="after")
    def _schedule(self) -> WorkflowSpec:
        if (self.trigger == "schedule") != bool(self.schedule):
            raise ValueError("a schedule trigger needs a schedule (cron), and only it takes one")
        if self.schedule and not croniter.is_valid(self.schedule):
            raise ValueError(f"schedule {self.schedule!r} is not a cron expression")
        if self.condition.strip():
            compile_condition(self.condition, root=condition_root(self.trigger))
        return self


def condition_root(trigger: str) -> str:
    """The name a workflow's condition reads its subject by."""
    return "incident" if trigger.startswith("incident.") else "event"


class RunbookDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")
    apiVersion: Literal["atlas/v1"]
    kind: Literal["Runbook"]
    spec: RunbookSpec


class WorkflowDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")
    apiVersion: Literal["atlas/v1"]
    kind: Literal["Workflow"]
    spec: WorkflowSpec


Document = Annotated[RunbookDocument | WorkflowDocument, Field(discriminator="kind")]
_DOCUMENT = TypeAdapter(Document)


def parse(model: type[BaseModel] | TypeAdapter, data: Any, *, field: str = "spec"):
    """Validate ``data``; a refusal is a ValidationFailed naming the first problem and where it is."""
    try:
        if isinstance(model, TypeAdapter):
            return model.validate_python(data)
        return model.model_validate(data)
    except ValidationFailed as bad:
        raise ValidationFailed(bad.message, field=field) from None
    except ValidationError as bad:
        first = bad.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ValidationFailed(f"{where or 'document'}: {first['msg']}", field=field) from None


def parse_document(data: Any) -> RunbookDocument | WorkflowDocument:
    """A runbook or workflow document, validated."""
    return parse(_DOCUMENT, data, field="yaml")


def document_schema() -> dict:
    """The published JSON Schema of runbook and workflow documents."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "AtlasAI automation document",
            **_DOCUMENT.json_schema()}


def check_inputs(schema: dict, inputs: dict) -> dict:
    """``inputs`` if they satisfy the runbook's JSON Schema, else a ValidationFailed saying why."""
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(inputs), key=lambda e: list(e.path))
    if errors:
        where = ".".join(str(p) for p in errors[0].path)
        raise ValidationFailed(f"inputs{'.' + where if where else ''}: {errors[0].message}", field="inputs")
    return inputs
