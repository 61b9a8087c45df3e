from __future__ import annotations

import unicodedata

import pytest

from moderation.domain.errors import InvalidInput, TooLarge
from moderation.domain.text import check_text


@pytest.mark.parametrize("text", ["Fatigue is worse today.\nBut I walked.\tSlowly.\r\n", "Émilie: ça va 🙂", "a"])
def test_ordinary_text_passes(text: str) -> None:
    check_text("body", text, 100, multiline=True)


def test_every_control_character_and_lone_surrogate_is_refused_but_line_breaks_in_a_body() -> None:
    codes = [c for c in range(0x110000) if unicodedata.category(chr(c)) in ("Cc", "Cs")]
    assert len(codes) == 65 + 2048
    for code in codes:
        text = f"a{chr(code)}b"
        with pytest.raises(InvalidInput, match="control characters"):
            check_text("author_id", text, 100, multiline=False)
        if chr(code) in "\n\r\t":
            check_text("body", text, 100, multiline=True)
        else:
            with pytest.raises(InvalidInput, match="control characters"):
                check_text("body", text, 100, multiline=True)


def test_empty_and_oversize_text() -> None:
    with pytest.raises(InvalidInput, match="empty"):
        check_text("body", " \n ", 100, multiline=True)
    with pytest.raises(TooLarge, match="101 characters"):
        check_text("body", "x" * 101, 100, multiline=True)
    with pytest.raises(InvalidInput, match="at most 100"):
        check_text("thread_id", "x" * 101, 100, multiline=False)
