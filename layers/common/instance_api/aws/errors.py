"""What a botocore failure means for a client: try again later, or the server's fault.

Throttling and service-side errors (after the SDK's own retries), timeouts and lost
connections are `Unavailable` (the client may retry); anything else is a `Fault` (a bug or
a misconfiguration, whose detail only the logs see). Every adapter that calls AWS maps its
failures here, so no botocore exception leaves the aws package.
"""

from __future__ import annotations

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from instance_api.domain.errors import DomainError, Fault, Unavailable

RETRYABLE_ERROR_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "InternalServiceError",  # Secrets Manager's name for it
    }
)
CALL_ERRORS = (ClientError, BotocoreConnectionError, HTTPClientError)


def error_code(error: BaseException) -> str:
    return str(error.response.get("Error", {}).get("Code", "")) if isinstance(error, ClientError) else ""


def is_retryable(error: BaseException) -> bool:
    """Throttling, a service-side error or a timeout, on `error` or anything that caused it."""
    current: BaseException | None = error
    while current is not None:
        if isinstance(current, ClientError):
            if error_code(current) in RETRYABLE_ERROR_CODES:
                return True
        elif isinstance(current, BotocoreConnectionError | HTTPClientError):
            return True
        current = current.__cause__ or current.__context__
    return False


def translated(error: BaseException, what: str) -> DomainError:
    """What an AWS call's failure is to the client, naming `what` failed and its error code
    for the logs: Unavailable when it was throttling, a service error or a timeout, else a Fault."""
    cause = f"{what} failed with {error_code(error) or type(error).__name__}"
    return Unavailable(cause) if is_retryable(error) else Fault(cause)
