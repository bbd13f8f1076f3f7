"""The local provider: deterministic, grounded, no network. It answers only from the evidence it is given
(extractive: the evidence sentences that best match the question, each cited), picks tools by rules, and
embeds with a hashing embedder. Every answer says it came from the local provider."""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections.abc import AsyncIterator

from domain.ai.types import ChatRequest, ChatResult, EmbedResult, ModelSpec, Tool, ToolCall

PREFIX = "[local provider, extractive] "
_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
STOP = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "how", "i", "in", "is", "it",
    "its", "of", "on", "or", "that", "the", "this", "to", "was", "were", "what", "when", "where", "which", "who",
    "why", "will", "with", "do", "does", "did", "can", "my", "our", "we", "you",
})


def words(text: str) -> list[str]:
    """Lower-cased content words, with a light plural/verb-ending stem."""
    out = []
    for w in _WORD.findall(text.lower()):
        if w in STOP:
            continue
        for suffix in ("ing", "ed", "es", "s"):
            if len(w) > len(suffix) + 3 and w.endswith(suffix):
                w = w[: -len(suffix)]
                break
        out.append(w)
    return out


def _overlap(question: set[str], text: str) -> float:
    terms = words(text)
    return len(question.intersection(terms)) / math.sqrt(len(terms) + 1) if terms else 0.0


def _pick_tool(tools: tuple[Tool, ...], question: set[str]) -> ToolCall | None:
    scored = [(_overlap(question, f"{t.name.replace('_', ' ')} {t.description}"), t) for t in tools]
    score, tool = max(scored, key=lambda pair: pair[0], default=(0.0, None))
    if tool is None or score <= 0:
        return None
    args = {name: " ".join(sorted(question)) for name, spec in tool.parameters.get("properties", {}).items()
            if spec.get("type") == "string"}
    return ToolCall(id=f"local-{tool.name}", name=tool.name, arguments=args)


def _answer(request: ChatRequest) -> tuple[str, list[str]]:
    question = set(words(request.question))
    ranked = []
    for evidence in request.evidence:
        for sentence in _SENTENCE.split(evidence.text):
            if sentence.strip():
                ranked.append((_overlap(question, sentence), evidence.id, sentence.strip()))
    best = [r for r in sorted(ranked, key=lambda r: -r[0]) if r[0] > 0][:3]
    if not best:
        return PREFIX + "The evidence given does not answer this question.", []
    return PREFIX + " ".join(f"{s} [{i}]" for _, i, s in best), list(dict.fromkeys(i for _, i, _ in best))


class LocalProvider:
    """Extractive chat, rule-based tool choice and hashing embeddings, all in process."""

    name = "local"

    async def chat(self, model: ModelSpec, request: ChatRequest) -> ChatResult:
        tool = _pick_tool(request.tools, set(words(request.question))) if request.tools else None
        text, cited = ("", []) if tool else _answer(request)
        source = request.question + " ".join(e.text for e in request.evidence)
        return ChatResult(text=text, cited=cited, tool_calls=[tool] if tool else [],
                          input_tokens=len(source.split()), output_tokens=min(len(text.split()), request.max_tokens))

    async def stream(self, model: ModelSpec, request: ChatRequest) -> AsyncIterator[str | ChatResult]:
        result = await self.chat(model, request)
        for piece in re.findall(r"\S+\s*", result.text):
            yield piece
        yield result

    async def embed(self, model: ModelSpec, texts: list[str]) -> EmbedResult:
        dims = model.dimensions or 384
        return EmbedResult(vectors=[hash_embedding(t, dims) for t in texts],
                           input_tokens=sum(len(t.split()) for t in texts), dimensions=dims)


def _features(text: str) -> list[str]:
    terms = words(text)
    grams = [w[i:i + 4] for w in terms if len(w) > 5 for i in range(len(w) - 3)]
    return terms + [f"{a} {b}" for a, b in itertools.pairwise(terms)] + ["#" + g for g in grams]


def hash_embedding(text: str, dims: int = 384) -> list[float]:
    """A signed feature-hashing embedding of words, word pairs and 4-grams of long words; unit length."""
    vector = [0.0] * dims
    for feature in _features(text):
        digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
        weight = 0.5 if feature[0] == "#" else 1.0
        vector[int.from_bytes(digest[:4], "little") % dims] += weight if digest[4] & 1 else -weight
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]
