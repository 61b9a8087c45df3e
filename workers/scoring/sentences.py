"""Split a comment into sentences, the unit that misinformation and health-harm evidence points to."""

from __future__ import annotations

import re

# A sentence ends at . ! ? (or a run of them) followed by space and a capital, digit or quote,
# or at a line break. Common abbreviations are protected so "Dr. Smith" stays one sentence.
_ABBREVIATIONS = ("dr", "mr", "mrs", "ms", "prof", "e.g", "i.e", "etc", "vs", "approx", "mg", "st")
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n+")
MAX_SENTENCE_CHARS = 600


def split_sentences(text: str) -> list[str]:
    pieces: list[str] = []
    for raw in _BOUNDARY.split(text.strip()):
        piece = raw.strip()
        if not piece:
            continue
        if pieces and _ends_with_abbreviation(pieces[-1]):
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    # Very long run-on "sentences" are cut so one embedding never has to cover a whole essay.
    return [chunk for piece in pieces for chunk in _chunks(piece)]


def _ends_with_abbreviation(sentence: str) -> bool:
    last_word = sentence.rsplit(" ", 1)[-1].rstrip(".").lower()
    return sentence.endswith(".") and last_word in _ABBREVIATIONS


def _chunks(sentence: str) -> list[str]:
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return [sentence]
    words, chunks, current = sentence.split(), [], ""
    for word in words:
        if current and len(current) + len(word) + 1 > MAX_SENTENCE_CHARS:
            chunks.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return [*chunks, current] if current else chunks
