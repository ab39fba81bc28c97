"""Every error the API answers with, each carrying its HTTP status and machine `reason`.

Handlers, the service and the store raise these; `api.py` alone turns them into the envelope. Keeping
status and reason on the class means one mapping for every function.
"""

from __future__ import annotations

from typing import ClassVar, TypedDict

# How long a client should wait before retrying a 503 or an in-flight 409.
RETRY_AFTER_SECONDS = 1
# An error never grows with its input: at most this many details, and a name or value the
# client sent is echoed cut to this many characters.
DETAILS_MAX = 20
ECHO_MAX = 64


def clip(text: str) -> str:
    """`text` as an error may echo it: at most ECHO_MAX characters, an ellipsis where cut."""
    return text if len(text) <= ECHO_MAX else text[: ECHO_MAX - 1] + "…"


class FieldError(TypedDict):
    """One entry of `data.details`: which field (a dotted path, "" for the body) and why."""

    field: str
    message: str


class ApiError(Exception):
    """Base of all errors a client may see; `message` is one human sentence."""

    status: ClassVar[int] = 500
    reason: ClassVar[str] = "InternalError"

    def __init__(
        self,
        message: str,
        *,
        details: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers or {}


class BadRequest(ApiError):
    """The request itself is malformed: not JSON, not an object, a forged nextToken."""

    status = 400
    reason = "BadRequest"


class InvalidRequest(ApiError):
    """The request is well-formed but fields break the contract; `details` says which."""

    status = 400
    reason = "Invalid"

    @classmethod
    def for_fields(cls, details: list[FieldError]) -> InvalidRequest:
        """One sentence for the error: the field's own when there is one, else a count.

        Field names are the client's (an unknown key, say), so they are clipped; past
        DETAILS_MAX entries the sentence says how many more there were.
        """
        shown: list[FieldError] = [
            {"field": clip(detail["field"]), "message": detail["message"]} for detail in details[:DETAILS_MAX]
        ]
        if len(details) == 1:
            field, message = shown[0]["field"], shown[0]["message"]
            # A rule about the body as a whole ("" field) is already a sentence.
            return cls(f"{field} {message}" if field else message, details=shown)
        more = len(details) - len(shown)
        if more:
            sentence = (
                f"{len(details)} fields are invalid; details lists the first {len(shown)} ({more} more not listed)"
            )
            return cls(sentence, details=shown)
        return cls(f"{len(details)} fields are invalid; see details", details=shown)


class NamespaceMismatch(InvalidRequest):
    """An update named a namespace other than the instance's (namespaces are immutable).
    The sentence names no namespace: the caller learns only that theirs is not it."""

    def __init__(self) -> None:
        super().__init__(
            "namespace is immutable: it must equal the instance's own namespace",
            details=[{"field": "namespace", "message": "must equal the stored namespace"}],
        )


class OutOfScope(InvalidRequest):
    """A body's namespace differs from the namespaced path's."""

    def __init__(self) -> None:
        super().__init__(
            "namespace must equal the namespace in the path",
            details=[{"field": "namespace", "message": "must equal the namespace in the path"}],
        )


class NotFound(ApiError):
    status = 404
    reason = "NotFound"

    @classmethod
    def instance(cls, name: str, scope: str | None = None) -> NotFound:
        """On a namespaced path (`scope`) the sentence names neither the instance nor any
        namespace but the caller's own: absent and elsewhere read the same."""
        if scope is not None:
            return cls(f"no instance of that name in namespace {scope!r}")
        return cls(f"instance {name!r} not found")


class MethodNotAllowed(ApiError):
    status = 405
    reason = "MethodNotAllowed"


class AlreadyExists(ApiError):
    """Create hit an existing name (conditional put failed)."""

    status = 409
    reason = "AlreadyExists"

    @classmethod
    def instance(cls, name: str) -> AlreadyExists:
        return cls(f"instance {name!r} already exists")


class Conflict(ApiError):
    """The stored version differs from the one the client sent."""

    status = 409
    reason = "Conflict"

    @classmethod
    def stale(cls, name: str, stored_version: int, expected_version: int | None, *, reapply: bool) -> Conflict:
        hint = "; GET it and reapply the change" if reapply else ""
        sent = f"not {expected_version}" if expected_version is not None else "which changed meanwhile"
        return cls(f"instance {name!r} is at version {stored_version}, {sent}{hint}")


class IdempotencyKeyReused(ApiError):
    """The Idempotency-Key came with another body within the hour: the request is unprocessable."""

    status = 422
    reason = "Invalid"

    def __init__(self) -> None:
        super().__init__(
            "this Idempotency-Key was used with a different request body within the last hour; "
            "use a new key for a new request"
        )


class PayloadTooLarge(ApiError):
    status = 413
    reason = "PayloadTooLarge"


class UnsupportedMediaType(ApiError):
    status = 415
    reason = "UnsupportedMediaType"


class RequestInProgress(Conflict):
    """The first request with this Idempotency-Key has not finished yet."""

    def __init__(self) -> None:
        super().__init__(
            "a request with this Idempotency-Key is still in progress; retry after the Retry-After delay",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )


class InternalError(ApiError):
    """Anything unexpected. The message is generic on purpose: details go to the logs only."""

    status = 500
    reason = "InternalError"

    def __init__(self) -> None:
        super().__init__("the server failed to process the request; quote the requestId when reporting it")


class Unavailable(ApiError):
    """DynamoDB throttled or failed after the SDK's retries: the client should back off and retry."""

    status = 503
    reason = "Unavailable"

    def __init__(self) -> None:
        super().__init__(
            "the service is temporarily unavailable; retry after the Retry-After delay",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
