"""The copilot's personas and the router that picks one for a question when none is given."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.errors import ValidationFailed


@dataclass(frozen=True)
class Persona:
    """How one audience is answered: its voice, the tools it reaches for first, the words that call it."""

    key: str
    label: str
    voice: str
    tools: tuple[str, ...]
    cues: frozenset[str]


PERSONAS: dict[str, Persona] = {p.key: p for p in (
    Persona("sre", "SRE", "Technical: evidence first, the failing component, the commands or runbook steps to run.",
            ("incident", "logs", "knowledge", "changes", "incidents"),
            frozenset({"error", "latency", "log", "trace", "metric", "cpu", "memory", "pod", "deploy", "restart",
                       "rollback", "timeout", "5xx", "500", "502", "503", "stack", "command", "kubectl", "debug",
                       "root", "cause", "fix", "runbook", "database", "db", "disk", "queue", "dns", "crash",
                       "exception", "spike", "oom", "node", "host", "service", "slow"})),
    Persona("secops", "SecOps", "Security: suspicious events, exposure, affected identities and assets, containment.",
            ("incident", "logs", "incidents", "knowledge"),
            frozenset({"security", "attack", "breach", "vulnerability", "cve", "exploit", "malware", "phishing",
                       "intrusion", "unauthorized", "login", "credential", "password", "exposure", "exposed", "leak",
                       "ransomware", "firewall", "suspicious", "brute", "ddos", "secret", "token", "mfa", "threat",
                       "compromise", "compromised", "iam", "privilege", "audit", "forensic"})),
    Persona("executive", "Executive", "Plain words: customer impact, SLA standing, business risk, what happens next.",
            ("incident", "incidents", "analytics", "changes"),
            frozenset({"impact", "customer", "customers", "business", "sla", "summary", "summarize", "overview",
                       "executive", "board", "revenue", "status", "update", "stakeholder", "brief", "risk",
                       "reputation", "mttr", "uptime", "availability", "report", "week", "month", "quarter",
                       "leadership", "tldr", "explain", "happening"})),
    Persona("finops", "FinOps", "Cost: what incidents and AI usage cost, credits spent, where money is going.",
            ("ai_usage", "analytics", "incidents"),
            frozenset({"cost", "costs", "spend", "spent", "spending", "budget", "credit", "credits", "price",
                       "pricing", "bill", "billing", "invoice", "money", "dollar", "usd", "expensive", "cheap",
                       "savings", "save", "finops", "token", "tokens", "usage", "consumption", "chargeback"})),
)}
DEFAULT = "sre"
_WORD = re.compile(r"[a-z0-9]+")


def parse_persona(value: str | None) -> str | None:
    """A persona key from user input (case-insensitive), None for none; unknown ones are refused."""
    if value is None or not value.strip():
        return None
    key = value.strip().lower()
    if key not in PERSONAS:
        raise ValidationFailed(f"Unknown persona {value!r}: use one of {', '.join(PERSONAS)}.", field="persona")
    return key


_CUES = frozenset().union(*(p.cues for p in PERSONAS.values()))


def _cue(word: str) -> str:
    """The word as a cue: itself, or its singular when that is one (errors -> error, policies -> policy)."""
    if word in _CUES:
        return word
    for suffix, replacement in (("ies", "y"), ("es", ""), ("s", "")):
        if word.endswith(suffix) and word[: -len(suffix)] + replacement in _CUES:
            return word[: -len(suffix)] + replacement
    return word


def route(question: str) -> tuple[str, str]:
    """The persona a question is best answered by, and why (the cue words that decided it)."""
    words = [_cue(w) for w in _WORD.findall(question.lower())]
    scores = {key: [w for w in words if w in persona.cues] for key, persona in PERSONAS.items()}
    best = max(PERSONAS, key=lambda key: (len(scores[key]), key == DEFAULT))
    if not scores[best]:
        return DEFAULT, f"no persona cue in the question: answered as {PERSONAS[DEFAULT].label}"
    cues = ", ".join(dict.fromkeys(scores[best]))
    return best, f"routed to {PERSONAS[best].label} by: {cues}"
