"""Request headers and the caller's identity, from an API Gateway proxy event."""

from __future__ import annotations

from typing import TYPE_CHECKING

from instance_api.errors import InvalidRequest

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX = 255


def idempotency_key(event: APIGatewayProxyEvent) -> str | None:
    """The create's Idempotency-Key header: None when absent, 400 when empty, long or repeated."""
    values = [
        value
        for name, header_values in (event.multi_value_headers or {}).items()
        if name.lower() == IDEMPOTENCY_KEY_HEADER.lower()
        for value in header_values
    ]
    if not values:
        single = event.headers.get(IDEMPOTENCY_KEY_HEADER)
        values = [] if single is None else [single]
    if not values:
        return None
    if len(values) > 1:
        raise InvalidRequest.for_fields([{"field": IDEMPOTENCY_KEY_HEADER, "message": "must be given once"}])
    if not 1 <= len(values[0]) <= IDEMPOTENCY_KEY_MAX:
        raise InvalidRequest.for_fields(
            [{"field": IDEMPOTENCY_KEY_HEADER, "message": f"must be 1-{IDEMPOTENCY_KEY_MAX} characters long"}]
        )
    return values[0]


def caller_identity(event: APIGatewayProxyEvent) -> str:
    """Who signed the request (IAM); one fixed value where nothing signs (the local API)."""
    identity = event.request_context.identity
    return identity.user_arn or identity.caller or "unauthenticated"
