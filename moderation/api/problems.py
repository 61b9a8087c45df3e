"""Errors as RFC 9457 problem details: one table from our error classes to status, type and title."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
import msgspec
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsException, ProblemDetailsPlugin
from redis.exceptions import RedisError
from sqlalchemy.exc import InterfaceError, OperationalError

from moderation.domain.errors import (
    ClaimedByOther,
    Conflict,
    DuplicateComment,
    Forbidden,
    IllegalTransition,
    InvalidInput,
    ModerationError,
    NotAuthenticated,
    NotFound,
    RateLimited,
    TooLarge,
)

log = logging.getLogger(__name__)

# Stable problem type URIs (relative references, RFC 9457 §3.1.1); README.md lists them. Never renamed.
PROBLEM_DOCS = "/problems"

PROBLEMS: dict[type[ModerationError], tuple[int, str, str]] = {
    NotFound: (404, "not-found", "No such resource"),
    DuplicateComment: (409, "duplicate-comment", "external_id already used with another body"),
    IllegalTransition: (409, "illegal-transition", "The comment's state does not allow this"),
    ClaimedByOther: (409, "claimed", "Another moderator holds this item"),
    Conflict: (409, "conflict", "The request conflicts with the current state"),
    InvalidInput: (422, "invalid-input", "Invalid input"),
    TooLarge: (413, "too-large", "Content too large"),
    NotAuthenticated: (401, "unauthenticated", "Missing or invalid credentials"),
    Forbidden: (403, "forbidden", "Not allowed"),
    RateLimited: (429, "rate-limited", "Too many requests"),
    ModerationError: (400, "bad-request", "The request cannot be processed"),
}


class Problem(msgspec.Struct):
    """RFC 9457 problem details, as every error response of this API is shaped."""

    status: int
    type: str
    title: str
    detail: str
    errors: list[dict[str, Any]] | None = None


def documented(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problems a route can answer with (the schema promises them, fuzzing checks)."""
    descriptions = {
        400: "Malformed request body (not JSON, not UTF-8)",
        401: "Missing or invalid API key",
        404: "No such comment for this forum",
        409: "Conflict with the stored state",
        413: "Content too large",
        422: "Invalid input, with per-field errors",
        429: "Over the key's rate; see Retry-After",
        503: "Database or Redis unavailable; retry",
    }
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=descriptions[status],
            media_type="application/problem+json",
            generate_examples=False,
        )
        for status in statuses
    }


FORUM_PROBLEMS = (401, 422, 429, 503)


def _problem(status: int, slug: str, title: str, detail: str, **extra: Any) -> ProblemDetailsException:
    headers = {"WWW-Authenticate": 'Bearer realm="moderation"'} if status == 401 else None
    return ProblemDetailsException(
        status_code=status,
        type_=f"{PROBLEM_DOCS}/{slug}",
        title=title,
        detail=detail,
        extra=extra or None,
        headers=headers,
    )


def to_problem(exc: ModerationError) -> ProblemDetailsException:
    status, slug, title = PROBLEMS[next(k for k in type(exc).__mro__ if k in PROBLEMS)]  # type: ignore[index]
    extra: dict[str, Any] = {}
    if isinstance(exc, InvalidInput) and exc.errors:
        extra["errors"] = exc.errors  # one per field, or one per bad row of a catalogue import
    problem = _problem(status, slug, title, str(exc), **extra)
    if isinstance(exc, RateLimited):
        problem.headers = {"Retry-After": str(exc.retry_after)}
    return problem


def validation_to_problem(exc: ValidationException) -> ProblemDetailsException:
    """Litestar reports invalid fields as 400; our contract says 422 with per-field errors."""
    errors = [
        {"field": item.get("key") or item.get("source") or "body", "message": item.get("message", "invalid")}
        for item in (exc.extra if isinstance(exc.extra, list) else [])
        if isinstance(item, dict)
    ]
    return _problem(422, "invalid-input", "Invalid input", str(exc.detail), errors=errors)


def http_to_problem(exc: HTTPException) -> ProblemDetailsException:
    return ProblemDetailsException(
        status_code=exc.status_code,
        title=exc.detail,
        headers=exc.headers,
        type_=f"{PROBLEM_DOCS}/http-{exc.status_code}",
        detail=exc.detail,
    )


def unavailable_to_problem(exc: Exception) -> ProblemDetailsException:
    """A database or Redis outage: nothing was accepted, the client may retry the same request."""
    log.warning("dependency unavailable: %s", exc)
    problem = _problem(503, "unavailable", "Service temporarily unavailable", "a backing service is unavailable; retry")
    problem.headers = {"Retry-After": "2"}
    return problem


def unexpected_to_problem(exc: Exception) -> ProblemDetailsException:
    log.exception("unexpected error", exc_info=exc)
    return _problem(500, "internal", "Internal server error", "an unexpected error occurred; it has been logged")


def plugin() -> ProblemDetailsPlugin:
    return ProblemDetailsPlugin(
        ProblemDetailsConfig(
            enable_for_all_http_exceptions=True,
            exception_to_problem_detail_map={
                HTTPException: http_to_problem,
                ModerationError: to_problem,
                ValidationException: validation_to_problem,
                OperationalError: unavailable_to_problem,
                InterfaceError: unavailable_to_problem,
                asyncpg.InterfaceError: unavailable_to_problem,
                asyncpg.PostgresConnectionError: unavailable_to_problem,
                asyncpg.exceptions.OperatorInterventionError: unavailable_to_problem,  # server shutting down
                ConnectionError: unavailable_to_problem,
                RedisError: unavailable_to_problem,
                Exception: unexpected_to_problem,
            },
        )
    )
