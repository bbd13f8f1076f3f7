"""Every factual sentence of a copilot answer cites a source it was given; the rest is withheld.

Answers are cut into sentences (a citation ``[id]`` right after a sentence stays with it). A sentence
is kept when it cites at least one given evidence id; a bracketed label alone (the local provider's
``[local provider, extractive]``) is kept as a label; anything else is withheld and counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CITE = re.compile(r"\[([A-Za-z0-9:_\-./]{1,200})\]")
_LABEL = re.compile(r"^\[[^\]]*\]$")
_SPLIT = re.compile(r"(?<=\])\s+|(?<=[.!?])\s+(?!\[)|\n+")
UNGROUNDED = ("No source you can see grounds an answer to this question, so I will not guess. "
              "Try naming the incident, service or change, or ask someone with wider access.")
KINDS = {"incident": "incident", "kb": "KB article", "article": "KB article", "runbook": "runbook",
         "telemetry": "telemetry query", "change": "change", "analytics": "analytics", "ai": "AI usage"}


@dataclass
class Grounded:
    """The sentences kept so far, the ids they cite and how many were withheld."""

    given: frozenset[str]
    kept: list[str] = field(default_factory=list)
    cited: list[str] = field(default_factory=list)
    withheld: int = 0
    _buffer: str = ""
    _labels: list[str] = field(default_factory=list)  # shown only with the first cited sentence after them

    def feed(self, piece: str) -> list[str]:
        """Add streamed text; return the sentences now complete and kept."""
        self._buffer += piece
        # a break is only certain once something follows it (a citation may still come after ". ")
        breaks = [m for m in _SPLIT.finditer(self._buffer) if m.end() < len(self._buffer)]
        if not breaks:
            return []
        done, self._buffer = self._buffer[:breaks[-1].start()], self._buffer[breaks[-1].end():]
        return [kept for part in _SPLIT.split(done) for kept in self._judge(part)]

    def finish(self) -> list[str]:
        """The last sentence, once the stream has ended."""
        rest, self._buffer = self._buffer, ""
        return self._judge(rest)

    @property
    def grounded(self) -> bool:
        return bool(self.cited)

    def _judge(self, sentence: str) -> list[str]:
        sentence = sentence.strip()
        if not sentence:
            return []
        if _LABEL.match(sentence):
            self._labels.append(sentence)
            return []
        ids = [c for c in _CITE.findall(sentence) if c in self.given]
        if not ids:
            self.withheld += 1
            return []
        self.cited.extend(i for i in ids if i not in self.cited)
        out, self._labels = [*self._labels, sentence], []
        self.kept.extend(out)
        return out


def citation_kind(evidence_id: str) -> str:
    """What a cited id points at: incident, runbook, KB article, telemetry query, change, ..."""
    return KINDS.get(evidence_id.split(":", 1)[0], "source")
