"""Checks on text the forum sends, shared by every entry point."""

from __future__ import annotations

import re

from moderation.domain.errors import InvalidInput, TooLarge

# C0 and C1 control characters and lone surrogates (Unicode categories Cc and Cs), as one regex so a
# 20,000-character comment is checked at C speed on the ingest path.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_BUT_LINE_BREAKS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def check_text(field: str, value: str, max_chars: int, *, multiline: bool) -> None:
    """Refuse empty text, control characters (PostgreSQL cannot even store NUL), and oversize text.

    An oversize comment body is `TooLarge` (413); any other field over its limit is invalid input (422).
    """
    if not value.strip():
        raise InvalidInput(f"{field} must not be empty", field=field)
    if len(value) > max_chars:
        if field == "body":
            raise TooLarge(f"body has {len(value)} characters; the limit is {max_chars}")
        raise InvalidInput(f"{field} must be at most {max_chars} characters", field=field)
    if (_CONTROL_BUT_LINE_BREAKS if multiline else _CONTROL).search(value):
        raise InvalidInput(f"{field} contains control characters", field=field)
