"""What goes into and comes out of the gateway, and the typed errors it refuses calls with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.errors import DomainError

TASKS = ("rca", "runbook", "copilot", "summary", "embedding")


class NotEnoughCredits(DomainError):
    """The tenant's balance cannot cover the call's worst-case cost."""

    code = "NOT_ENOUGH_CREDITS"


class ModelNotApproved(DomainError):
    """The model is not in the registry, not approved, or not on the tenant's allow list."""

    code = "MODEL_NOT_APPROVED"


class ModelForbidden(DomainError):
    """The tenant's policy forbids the model (it would send data outside the tenant's region or network)."""

    code = "MODEL_FORBIDDEN"


class AiUnavailable(DomainError):
    """Every model of the chain failed (throttled, timed out, 5xx, cooling down)."""

    code = "AI_UNAVAILABLE"


class ModelRejected(DomainError):
    """A model refused the request itself (validation); retrying elsewhere would not help."""

    code = "MODEL_REJECTED"


class ProviderError(Exception):
    """One attempt failed; ``retryable`` for throttling, timeouts and 5xx (the chain falls back)."""

    def __init__(self, message: str, *, code: str, retryable: bool) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


@dataclass(frozen=True)
class ModelSpec:
    """A registry entry as the providers need it."""

    key: str
    provider: str
    model_id: str
    kind: str
    residency: str = "local"
    credits_per_1k_input: int = 0
    credits_per_1k_output: int = 0
    dimensions: int | None = None
    status: str = "approved"
    region: str | None = None
    base_url: str | None = None
    secret_name: str | None = None


@dataclass(frozen=True)
class Evidence:
    """A piece of tenant data a prompt may use, always by id and inside delimiters."""

    id: str
    text: str
    title: str = ""


@dataclass(frozen=True)
class Tool:
    """A function the model may ask to call (its arguments as JSON schema)."""

    name: str
    description: str
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})


@dataclass(frozen=True)
class ChatRequest:
    """A chat call: the question, the evidence it may rest on, tools, and the output cap."""

    task: str
    question: str
    evidence: tuple[Evidence, ...] = ()
    tools: tuple[Tool, ...] = ()
    max_tokens: int = 512
    model: str | None = None  # ask for one model instead of the tenant's route
    instructions: str = ""  # the caller's own guidance (e.g. a copilot persona), added to the system prompt


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]


@dataclass
class ChatResult:
    """A model's answer with its usage; ``cited`` are evidence ids it rests on (unknown ones dropped)."""

    text: str
    input_tokens: int
    output_tokens: int
    tool_calls: list[ToolCall] = field(default_factory=list)
    cited: list[str] = field(default_factory=list)
    model_key: str = ""
    provider: str = ""
    credits: int = 0
    call_id: str = ""
    flagged: bool = False  # cites nothing (or only ids it was not given): not to be shown as fact


@dataclass
class EmbedResult:
    vectors: list[list[float]]
    input_tokens: int
    model_key: str = ""
    dimensions: int = 0
