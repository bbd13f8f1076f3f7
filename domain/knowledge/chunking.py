"""Split a document into passages small enough to embed and to quote (paragraphs, packed to a size)."""

from __future__ import annotations

import re

MAX_CHARS = 800
_PARAGRAPH = re.compile(r"\n\s*\n")


def chunk_text(text: str, *, max_chars: int = MAX_CHARS) -> list[str]:
    """Paragraphs packed into chunks of at most ``max_chars`` (a longer paragraph is cut at sentence ends)."""
    chunks: list[str] = []
    current = ""
    for paragraph in (p.strip() for p in _PARAGRAPH.split(text)):
        for piece in _pieces(paragraph, max_chars):
            if current and len(current) + len(piece) + 2 > max_chars:
                chunks.append(current)
                current = ""
            current = f"{current}\n\n{piece}" if current else piece
    if current:
        chunks.append(current)
    return chunks


def _pieces(paragraph: str, max_chars: int) -> list[str]:
    if len(paragraph) <= max_chars:
        return [paragraph] if paragraph else []
    pieces, current = [], ""
    for sentence in re.split(r"(?<=[.!?])\s+", paragraph):
        if current and len(current) + len(sentence) + 1 > max_chars:
            pieces.append(current)
            current = ""
        current = f"{current} {sentence}".strip()
        while len(current) > max_chars:
            pieces.append(current[:max_chars])
            current = current[max_chars:]
    return pieces + ([current] if current else [])
