"""Batches for the encoders: similar lengths together, bounded by padded tokens.

A model call pads every row to the longest in its batch, and its activations grow with rows x tokens,
so batches are cut from items sorted by length, at a budget of padded tokens rather than at a count:
long texts go a few at a time, short ones many (measured on 2 cores: sentence embedding 13 % faster
at 2,048 tokens than at 64 sentences a call, and the toxicity worker's bfloat16 peak went from 1.5 to
1.2 GiB at 4,096 tokens against 32 windows a call).
"""

from __future__ import annotations

from collections.abc import Sequence


def token_batches(lengths: Sequence[int], max_tokens: int, max_items: int | None = None) -> list[list[int]]:
    """Indexes into `lengths` (each item's padded length, special tokens included), shortest first,
    cut into batches of at most `max_tokens` padded tokens and `max_items` items; an item longer
    than the budget goes alone."""
    batches: list[list[int]] = []
    for index in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        batch = batches[-1] if batches else None
        fits = batch is not None and (len(batch) + 1) * lengths[index] <= max_tokens
        if batch is not None and fits and (max_items is None or len(batch) < max_items):
            batch.append(index)
        else:
            batches.append([index])
    return batches
