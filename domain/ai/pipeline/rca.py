"""Root-cause ranking from grounded evidence, and the check of a model's hypotheses against that evidence.

The local ranking uses four heuristics, each resting on evidence ids: a failing CI whose own failing
dependencies started no earlier is *unexplained* (the deepest failing dependency in topology order),
a recent change on a failing CI inside the blast radius, the earliest anomaly onset, and error
signatures. Only CIs inside the incident's blast radius (its CIs and what they depend on) are candidates.
"""

from __future__ import annotations

import json
import math
import re
from collections import deque
from dataclasses import dataclass, field

HOPS = 4
TOLERANCE = 120.0           # seconds: a dependency starting this much later still explains a dependant
CHANGE_LOOKBACK = 6 * 3600.0
_SYMPTOMS = ("latency", "duration", "error", "5xx", "timeout")  # what a caller feels of a failing dependency
_CAUSES = (("cpu", "CPU saturation"), ("mem", "memory exhaustion"), ("latency", "latency regression"),
           ("duration", "latency regression"), ("error", "error-rate spike"))


@dataclass(frozen=True)
class Signal:
    """One piece of evidence about one CI: a metric anomaly, an error signature, a failing span, a change."""

    id: str
    ci: str
    kind: str           # metric | errors | span | change
    at: float           # epoch seconds: the onset, the first error, or when the change was made
    strength: float = 0.0
    metric: str = ""
    text: str = ""


@dataclass(frozen=True)
class Topology:
    """What each CI depends on, and the incident's own CIs (the seeds of the blast radius)."""

    depends_on: dict[str, tuple[str, ...]]
    seeds: tuple[str, ...]

    def radius(self, hops: int = HOPS) -> dict[str, int]:
        """Every CI within ``hops`` dependency steps of a seed, with its depth."""
        depth = dict.fromkeys(self.seeds, 0)
        queue = deque(self.seeds)
        while queue:
            ci = queue.popleft()
            if depth[ci] >= hops:
                continue
            for dep in self.depends_on.get(ci, ()):
                if dep not in depth:
                    depth[dep] = depth[ci] + 1
                    queue.append(dep)
        return depth

    def below(self, ci: str, allowed: set[str]) -> set[str]:
        """Every CI ``ci`` depends on, directly or not, within ``allowed``."""
        seen: set[str] = set()
        stack = [d for d in self.depends_on.get(ci, ()) if d in allowed]
        while stack:
            dep = stack.pop()
            if dep not in seen:
                seen.add(dep)
                stack.extend(d for d in self.depends_on.get(dep, ()) if d in allowed)
        return seen


@dataclass
class Hypothesis:
    """A ranked root cause: a CI and a cause, with a confidence and the evidence ids it rests on."""

    ci: str
    cause: str
    confidence: float
    evidence_ids: list[str]
    reasons: list[str] = field(default_factory=list)
    score: float = 0.0

    def as_dict(self) -> dict:
        return {"ci": self.ci, "cause": self.cause, "confidence": round(self.confidence, 3),
                "evidence_ids": self.evidence_ids, "reasons": self.reasons}


def rank(signals: list[Signal], topology: Topology, *, start: float, hops: int = HOPS) -> list[Hypothesis]:
    """Hypotheses for the CIs of the blast radius, most likely first (only CIs some evidence points at)."""
    depth = topology.radius(hops)
    by_ci: dict[str, list[Signal]] = {}
    for signal in signals:
        if signal.ci in depth:
            by_ci.setdefault(signal.ci, []).append(signal)
    onset = {ci: min(s.at for s in found if s.kind != "change") for ci, found in by_ci.items()
             if any(s.kind != "change" for s in found)}
    felt = {ci: min(s.at for s in found if is_symptom(s)) for ci, found in by_ci.items()
            if any(is_symptom(s) for s in found)}
    order = sorted(onset, key=lambda ci: onset[ci])
    hypotheses = [_score(ci, found, topology, depth, onset, felt, order, start) for ci, found in by_ci.items()]
    hypotheses = [h for h in hypotheses if h.score > 0]
    hypotheses.sort(key=lambda h: (-h.score, h.ci))
    total = sum(h.score for h in hypotheses) or 1.0
    for h in hypotheses:
        h.confidence = h.score / total
    return hypotheses


def is_symptom(signal: Signal) -> bool:
    """Whether callers would feel it (latency, errors); CPU or memory alone stays inside the CI."""
    return signal.kind in ("errors", "span") or (
        signal.kind == "metric" and any(word in signal.metric.lower() for word in _SYMPTOMS))


def _score(ci: str, found: list[Signal], topology: Topology, depth: dict[str, int], onset: dict[str, float],
           felt: dict[str, float], order: list[str], start: float) -> Hypothesis:
    failing = [s for s in found if s.kind != "change"]
    mine = onset.get(ci)
    horizon = mine if mine is not None else start
    changes = [s for s in found if s.kind == "change" and horizon - CHANGE_LOOKBACK <= s.at <= horizon + TOLERANCE]
    score, reasons = 0.0, []
    if failing:
        culprits = [d for d in topology.below(ci, set(depth)) if d in felt and felt[d] <= mine + TOLERANCE]
        if not culprits and (ci in felt or not felt):
            score += 3.0
            reasons.append("deepest failing dependency: nothing it depends on failed first")
        elif not culprits:
            score += 1.0
            reasons.append("resource anomaly that no caller shows yet")
        if ci in felt and any(not is_symptom(s) for s in failing):
            score += 0.5
            reasons.append("resource saturation on a failing CI")
        score += 1.0 - order.index(ci) / len(order)
        reasons.append(f"anomaly onset #{order.index(ci) + 1} of {len(order)}")
        strongest = max((s.strength for s in failing if s.kind == "metric"), default=0.0)
        score += min(math.log1p(strongest) / math.log(50.0), 1.0)
        if any(s.kind in ("errors", "span") for s in failing):
            score += 0.5
            reasons.append("error signature")
    if changes:
        score += 2.0 if failing else 0.3
        reasons.append(f"recent change inside the blast radius ({changes[-1].text or changes[-1].id})")
    score += 0.05 * depth.get(ci, 0)
    cited = [s.id for s in sorted(failing, key=lambda s: (-s.strength, s.at))[:4]] + [s.id for s in changes[-2:]]
    return Hypothesis(ci=ci, cause=_cause(failing, changes), confidence=0.0, evidence_ids=cited,
                      reasons=reasons, score=score if (failing or changes) else 0.0)


def _cause(failing: list[Signal], changes: list[Signal]) -> str:
    if changes and failing:
        return f"bad change: {changes[-1].text or changes[-1].id}"
    metrics = sorted((s for s in failing if s.kind == "metric"), key=lambda s: -s.strength)
    for signal in metrics:
        for needle, cause in _CAUSES:
            if needle in signal.metric.lower():
                return cause
    if any(s.kind in ("errors", "span") for s in failing):
        return "errors: " + next(s.text for s in failing if s.kind in ("errors", "span"))[:120]
    return "recent change (no anomaly seen yet)" if changes else "anomaly"


_JSON = re.compile(r"\{.*\}", re.S)


def checked_hypotheses(text: str, *, evidence_ids: set[str], cis: set[str]) -> tuple[list[Hypothesis], int]:
    """A model's hypotheses (JSON ``{"hypotheses": [{ci, cause, confidence, evidence_ids}]}``) that cite only
    evidence they were given; returns them and how many were dropped (citing nothing, or an unknown id)."""
    match = _JSON.search(text or "")
    try:
        raw = json.loads(match.group(0)).get("hypotheses", []) if match else []
    except (ValueError, AttributeError):
        raw = []
    kept, dropped = [], 0
    for item in raw if isinstance(raw, list) else []:
        cited = item.get("evidence_ids") if isinstance(item, dict) else None
        if (not isinstance(cited, list) or not cited or any(c not in evidence_ids for c in cited)
                or item.get("ci") not in cis):
            dropped += 1
            continue
        confidence = item.get("confidence")
        kept.append(Hypothesis(ci=item["ci"], cause=str(item.get("cause", ""))[:300], evidence_ids=list(cited),
                               confidence=float(confidence) if isinstance(confidence, int | float) else 0.0))
    return kept, dropped


DEMOTION = 0.25  # what a hypothesis keeps of its confidence once a remediation of it ran and did not help


def failed_remediation_id(failed: dict) -> str:
    return f"remediation:{failed['run_id']}"


def demote(hypotheses: list[Hypothesis], failed: list[dict]) -> list[Hypothesis]:
    """Hypotheses whose remediation ran without bringing the signals back lose most of their confidence and
    cite that failure; the rest keep their order ahead of them."""
    tried_for = {id(h): [f for f in failed if f.get("ci") == h.ci and f.get("cause") == h.cause] for h in hypotheses}
    untried = [h.confidence for h in hypotheses if not tried_for[id(h)]]
    for hypothesis in hypotheses:
        tried = tried_for[id(hypothesis)]
        if tried:
            hypothesis.confidence = min(hypothesis.confidence * DEMOTION ** len(tried),
                                        0.9 * min(untried, default=1.0))
            hypothesis.score *= DEMOTION ** len(tried)
            hypothesis.evidence_ids = [*hypothesis.evidence_ids, *(failed_remediation_id(f) for f in tried)]
            hypothesis.reasons = [*hypothesis.reasons, *(
                f"demoted: {f.get('action') or 'the remediation'} ran ({f['runbook']}) and the signals did not "
                f"recover" for f in tried)]
    return sorted(hypotheses, key=lambda h: (bool(tried_for[id(h)]), -h.confidence))
