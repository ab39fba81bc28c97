"""What a botocore failure means for a client: try again later, or the server's fault.

Throttling and DynamoDB-side errors (after the SDK's own retries), timeouts and lost
connections are `Unavailable` (503 with Retry-After); anything else is `StoreFailure` (a
500 whose detail only the logs see). Every adapter that calls AWS maps its failures here.
"""

from __future__ import annotations

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from instance_api.errors import Unavailable

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


class StoreFailure(Exception):
    """AWS refused a request for a reason the client cannot fix (a bug or misconfiguration)."""


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


def translated(error: BaseException, what: str) -> Exception:
    """What an AWS call's failure is to the client: Unavailable (503, retry later) when it
    was throttling, a service error or a timeout, else a StoreFailure naming `what` failed
    and its error code (a 500 whose detail only the logs see)."""
    if is_retryable(error):
        return Unavailable()
    return StoreFailure(f"{what} failed with {error_code(error) or type(error).__name__}")
