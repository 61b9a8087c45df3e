"""Split a comment into sentences, the unit that misinformation and health-harm evidence points to."""

from __future__ import annotations

import re

# A sentence ends at a line break, or at . ! ? (or a run of them) followed by space and a capital,
# digit or quote. Abbreviations are protected so "Dr. Smith" stays one sentence; they are matched
# with their case, because on this forum "my MS." ends a sentence and is not the title "Ms.".
_ABBREVIATIONS = frozenset(
    {"Dr", "Mr", "Mrs", "Ms", "Prof", "St", "e.g", "i.e", "etc", "vs", "approx", "mg", "dr", "prof"}
)
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
MAX_SENTENCE_CHARS = 600


def split_sentences(text: str) -> list[str]:
    pieces: list[str] = []
    for line in text.strip().splitlines():
        in_line: list[str] = []
        for raw in _BOUNDARY.split(line):
            piece = raw.strip()
            if not piece:
                continue
            if in_line and _ends_with_abbreviation(in_line[-1]):
                in_line[-1] = f"{in_line[-1]} {piece}"
            else:
                in_line.append(piece)
        pieces.extend(in_line)
    # Very long run-on "sentences" are cut so one embedding never has to cover a whole essay.
    return [chunk for piece in pieces for chunk in _chunks(piece)]


def _ends_with_abbreviation(sentence: str) -> bool:
    last_word = sentence.rsplit(" ", 1)[-1].rstrip(".")
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
