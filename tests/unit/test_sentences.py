from __future__ import annotations

import pytest

from workers.scoring.sentences import split_sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Bee venom cured my MS. Has anyone tried pilates?", ["Bee venom cured my MS.", "Has anyone tried pilates?"]),
        ("Bee venom cured my MS.\nhas anyone tried pilates?", ["Bee venom cured my MS.", "has anyone tried pilates?"]),
        ("Dr. Smith raised my dose. Ms. Jones agreed.", ["Dr. Smith raised my dose.", "Ms. Jones agreed."]),
        ("I take 10 mg. Twice a day!", ["I take 10 mg. Twice a day!"]),
        ("Fatigue again!! Anyone else? 3 days now.", ["Fatigue again!!", "Anyone else?", "3 days now."]),
        ("  \n ", []),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_a_run_on_sentence_is_cut_into_chunks_at_word_boundaries() -> None:
    chunks = split_sentences("word " * 400)
    assert len(chunks) > 1
    assert all(len(c) <= 600 for c in chunks)
    assert " ".join(chunks).split() == ["word"] * 400
