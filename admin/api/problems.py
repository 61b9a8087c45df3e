"""Errors of the admin JSON API as RFC 9457 problem details, with the forum API's types and shapes.

The /admin router answers errors with HTML pages and sends a signed-out browser to the sign-in form;
a script must get a problem instead. Litestar merges exception handlers from the app down to the route
and looks each error up along its MRO, so this map overrides every key the console's map sets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.plugins.problem_details import ProblemDetailsException
from litestar.types import ExceptionHandlersMap

from moderation.api import problems
from moderation.domain.errors import Forbidden, ModerationError, NotAuthenticated

E = TypeVar("E", bound=Exception)

DESCRIPTIONS = {
    401: "No admin session: sign in at /admin/login and send its `moderation_admin` cookie",
    403: "Signed in but not an admin, or a change without the session's X-CSRF-Token header",
    404: "No such claim",
    409: "Another claim already has this slug",
    413: "Request body too large",
    415: "The import body is neither application/json nor text/csv",
    422: "Invalid input, with per-field (or, for an import, per-row) errors",
}


def documented(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problems an admin API route can answer with."""
    return {
        status: ResponseSpec(
            data_container=problems.Problem,
            description=DESCRIPTIONS[status],
            media_type="application/problem+json",
            generate_examples=False,
        )
        for status in statuses
    }


def http_to_problem(exc: HTTPException) -> ProblemDetailsException:
    """Guard refusals keep the stable types of the forum API (`unauthenticated`, `forbidden`)."""
    if isinstance(exc, NotAuthorizedException):
        return _problem(NotAuthenticated, f"{exc.detail} (sign in at /admin/login)")
    if isinstance(exc, PermissionDeniedException):
        return _problem(Forbidden, exc.detail)
    return problems.http_to_problem(exc)


def _problem(kind: type[ModerationError], detail: str) -> ProblemDetailsException:
    status, slug, title = problems.PROBLEMS[kind]
    return ProblemDetailsException(
        status_code=status, type_=f"{problems.PROBLEM_DOCS}/{slug}", title=title, detail=detail
    )


def _responding(
    convert: Callable[[E], ProblemDetailsException],
) -> Callable[[Request[Any, Any, Any], E], Response[Any]]:
    def handle(request: Request[Any, Any, Any], exc: E) -> Response[Any]:
        return convert(exc).to_response(request)

    return handle


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    HTTPException: _responding(http_to_problem),
    NotAuthorizedException: _responding(http_to_problem),
    PermissionDeniedException: _responding(http_to_problem),
    ValidationException: _responding(problems.validation_to_problem),
    **{kind: _responding(problems.to_problem) for kind in problems.PROBLEMS},
}
