"""What can go wrong, as the API says it (status, reason, requestId) or as the client finds it.

Every error carries what a pipeline needs to act on it; the command line turns each into
an exit code (see `instancectl.cli.EXIT_CODES`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class InstanceCtlError(Exception):
    """Base of every error this package raises."""


@dataclass
class ApiError(InstanceCtlError):
    """The API answered with an error envelope (or, from a proxy, with something else)."""

    status: int
    reason: str
    message: str
    request_id: str | None = None
    details: list[dict[str, Any]] = field(default_factory=list)
    retry_after: float | None = None  # seconds, from the answer's Retry-After header

    def __str__(self) -> str:
        return f"{self.reason}: {self.message}"

    @classmethod
    def from_answer(
        cls, status: int, body: Any, header_request_id: str | None, retry_after: float | None = None
    ) -> ApiError:
        """Read an error envelope; a body that is not one still gives the status and its text."""
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("reason"), str):
            text = " ".join(body.split()) if isinstance(body, str) else "the answer is not the API's error envelope"
            summary = text[:200] or "an empty body"
            return cls(status, f"HTTP{status}", summary, header_request_id, retry_after=retry_after)
        error, request_id, details = data.get("error"), data.get("requestId"), data.get("details")
        return cls(
            status=status,
            reason=data["reason"],
            message=error if isinstance(error, str) else "",
            request_id=request_id if isinstance(request_id, str) and request_id else header_request_id,
            details=[detail for detail in details if isinstance(detail, dict)] if isinstance(details, list) else [],
            retry_after=retry_after,
        )


class ConnectionFailed(InstanceCtlError):
    """No answer came back (refused, timed out, or the connection dropped), after the retries
    the request was allowed."""

    def __init__(self, message: str, *, maybe_applied: bool) -> None:
        super().__init__(message)
        # True when the request went out and its answer was lost: a write may have happened.
        self.maybe_applied = maybe_applied


class ConfigurationError(InstanceCtlError):
    """The client cannot be set up: no credentials, no region, no such stack, a bad endpoint."""


class UnexpectedAnswer(InstanceCtlError):
    """A success status whose body is not what the contract says it is (not the envelope, a
    `data` of the wrong shape, a `nextToken` that repeats): a proxy, or a server that is not
    the Instance API, answered."""


class InvalidArgument(InstanceCtlError, ValueError):
    """A value the client would put in a URL breaks the API's rule for it: refused before any request."""

    def __init__(self, field: str, value: object, problem: str) -> None:
        super().__init__(f"Invalid: {field} {value!r} {problem}")
        self.field = field


class DocumentError(InstanceCtlError):
    """Instance documents (-f) that cannot be used: every problem found, one line each."""

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class Superseded(InstanceCtlError):
    """`apply --wait`: another writer changed, since, a field apply wrote, so what apply wrote
    will never be what runs."""


class ApplyError(InstanceCtlError):
    """A document cannot be applied to what the API holds (e.g. a different namespace)."""
