"""What only the HTTP edge can refuse: a body too large or not JSON, a method not routed,
an Idempotency-Key reused or still running. answers.py gives each its status, as it does
the domain's outcomes."""

from __future__ import annotations


class RequestError(Exception):
    """Base of the edge's own refusals; `message` is one human sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PayloadTooLarge(RequestError):
    pass


class UnsupportedMediaType(RequestError):
    pass


class MethodNotAllowed(RequestError):
    """`allowed` lists the methods the path routes (the Allow header), when known."""

    def __init__(self, message: str, allowed: str | None = None) -> None:
        super().__init__(message)
        self.allowed = allowed


class IdempotencyKeyReused(RequestError):
    """The Idempotency-Key came with another body within the hour: the request is unprocessable."""

    def __init__(self) -> None:
        super().__init__(
            "this Idempotency-Key was used with a different request body within the last hour; "
            "use a new key for a new request"
        )


class RequestInProgress(RequestError):
    """The first request with this Idempotency-Key has not finished yet."""

    def __init__(self) -> None:
        super().__init__("a request with this Idempotency-Key is still in progress; retry after the Retry-After delay")
