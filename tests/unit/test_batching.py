"""Encoder batches: shortest first, never over the padded-token budget, nothing lost or repeated."""

from __future__ import annotations

import pytest

from workers.scoring.batching import token_batches


@pytest.mark.parametrize(
    ("lengths", "max_tokens", "max_items", "expected"),
    [
        ([], 100, None, []),
        ([10, 10, 10], 100, None, [[0, 1, 2]]),
        ([30, 10, 20], 40, None, [[1, 2], [0]]),  # sorted; 2 x 20 fits, then 30 alone
        ([5] * 5, 1000, 2, [[0, 1], [2, 3], [4]]),  # the item cap as well as the budget
        ([500, 4], 100, None, [[1], [0]]),  # longer than the budget: alone, not dropped
    ],
)
def test_batches_follow_length_and_budget(
    lengths: list[int], max_tokens: int, max_items: int | None, expected: list[list[int]]
) -> None:
    assert token_batches(lengths, max_tokens, max_items) == expected


def test_every_item_lands_in_exactly_one_batch_within_the_budget() -> None:
    lengths = [(i * 37) % 128 + 3 for i in range(500)]
    batches = token_batches(lengths, 2048)
    assert sorted(i for b in batches for i in b) == list(range(500))
    for batch in batches:
        padded = len(batch) * max(lengths[i] for i in batch)
        assert padded <= 2048 or len(batch) == 1
