"""Request headers and the caller's identity, from an API Gateway proxy event.

Headers are read from the event as API Gateway sent them (`multiValueHeaders`): Powertools'
view of it merges names that differ only in case and keeps the last value, which would
hide a header sent twice (`Idempotency-Key: a` and `idempotency-key: b`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from instance_api.domain.errors import Invalid, Malformed, clip
from instance_api.http.errors import UnsupportedMediaType

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX = 255


def header_values(event: APIGatewayProxyEvent, header: str) -> list[str]:
    """Every value sent for `header`, whatever the case of its name, as API Gateway passed them."""
    raw = event.raw_event
    multi = raw.get("multiValueHeaders") or {}
    values = [value for name, sent in multi.items() if name.lower() == header.lower() for value in sent or ()]
    if not values:
        single = raw.get("headers") or {}
        values = [value for name, value in single.items() if name.lower() == header.lower() and value is not None]
    return values


def idempotency_key(event: APIGatewayProxyEvent) -> str | None:
    """The create's Idempotency-Key header: None when absent, 400 when empty, long or repeated."""
    values = header_values(event, IDEMPOTENCY_KEY_HEADER)
    if not values:
        return None
    if len(values) > 1:
        raise Invalid.field(IDEMPOTENCY_KEY_HEADER, "must be given once")
    if not 1 <= len(values[0]) <= IDEMPOTENCY_KEY_MAX:
        raise Invalid.field(IDEMPOTENCY_KEY_HEADER, f"must be 1-{IDEMPOTENCY_KEY_MAX} characters long")
    return values[0]


def caller_identity(event: APIGatewayProxyEvent) -> str:
    """Who signed the request (IAM); one fixed value where nothing signs (the local API)."""
    identity = event.request_context.identity
    return identity.user_arn or identity.caller or "unauthenticated"


_UTF8 = frozenset({"utf-8", "utf8"})


def _charsets(parameters: str) -> list[str]:
    """The `charset` values of a Content-Type's parameters (`; charset=utf-8`), unquoted."""
    found = []
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            found.append(value.strip().strip('"'))
    return found


def require_json_media_type(event: APIGatewayProxyEvent) -> None:
    """A body must come as UTF-8 JSON: one Content-Type, application/json or +json, with no
    charset but UTF-8 (415 otherwise; a header or parameter given twice is 400, since which
    one counts would depend on who reads it)."""
    content_types = header_values(event, "Content-Type")
    if len(content_types) > 1:
        raise Malformed("Content-Type must be given once")
    media_type, _, parameters = (content_types[0] if content_types else "").partition(";")
    media_type = media_type.strip().lower()
    if media_type != "application/json" and not (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        raise UnsupportedMediaType(
            "Content-Type must be application/json"
            + (f", not {clip(media_type)}" if media_type else " (no Content-Type was sent)")
        )
    charsets = _charsets(parameters)
    if len(charsets) > 1:
        raise Malformed("the Content-Type's charset must be given once")
    if charsets and charsets[0].lower() not in _UTF8:
        raise UnsupportedMediaType(f"the request body must be UTF-8 JSON, not charset {clip(charsets[0])}")


IF_NONE_MATCH_MAX = 2048


def if_none_match(event: APIGatewayProxyEvent) -> tuple[str, ...] | None:
    """The entity tags of If-None-Match (every header sent, each a comma-separated list, or
    `*`); None when none was sent. A value too long to be tags this API made is 400."""
    values = header_values(event, "If-None-Match")
    if not values:
        return None
    if sum(len(value) for value in values) > IF_NONE_MATCH_MAX:
        raise Invalid.field("If-None-Match", f"must be at most {IF_NONE_MATCH_MAX} characters long")
    return tuple(tag.strip() for value in values for tag in value.split(",") if tag.strip())
