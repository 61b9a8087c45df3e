"""Errors the domain and services raise; each message is safe to show to the caller.

ModerationError
 +-- NotFound                  no such comment, forum, policy version, claim, user
 +-- Conflict
 |    +-- DuplicateComment     external_id reused with another body
 |    +-- IllegalTransition    the comment's state does not allow the change
 |    +-- ClaimedByOther       another moderator holds the review claim
 +-- InvalidInput              a value is well-formed JSON but not acceptable
 +-- TooLarge                  a text is over the configured size
 +-- NotAuthenticated          no or unknown credentials
 +-- Forbidden                 credentials without the right to do this
 +-- RateLimited               too many requests for this key or login; retry later
"""

from __future__ import annotations

from typing import Any


class ModerationError(Exception):
    """Base of every error this service raises on purpose."""


class NotFound(ModerationError):
    pass


class Conflict(ModerationError):
    pass


class DuplicateComment(Conflict):
    pass


class IllegalTransition(Conflict):
    pass


class ClaimedByOther(Conflict):
    pass


class InvalidInput(ModerationError):
    def __init__(self, message: str, field: str | None = None, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.errors = errors or ([{"field": field, "message": message}] if field else [])


class TooLarge(ModerationError):
    pass


class NotAuthenticated(ModerationError):
    pass


class Forbidden(ModerationError):
    pass


class RateLimited(ModerationError):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
