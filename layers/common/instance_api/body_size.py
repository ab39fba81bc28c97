"""A request body's size: the first check any body gets, on any method (docs/contract.md:
over 64 KiB is 413 PayloadTooLarge; decision 2, cheapest first).

Free of pydantic, so the functions that take no body (get, the route fallback) refuse an
oversized one as the others do without loading it.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from instance_api.errors import BadRequest, PayloadTooLarge

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

MAX_BODY_BYTES = 64 * 1024


def _body_bytes(event: APIGatewayProxyEvent) -> bytes:
    body = event.body
    if not body:
        return b""
    if event.is_base64_encoded:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as error:
            raise BadRequest("the request body is not valid base64") from error
    # surrogatepass: a string API Gateway could not have made from UTF-8 still becomes bytes,
    # which the UTF-8 check then refuses (400), rather than failing here (500).
    return body.encode("utf-8", "surrogatepass")


def sized_body(event: APIGatewayProxyEvent) -> bytes:
    """The body's bytes (b"" for none, base64 decoded); 413 when over MAX_BODY_BYTES."""
    raw = _body_bytes(event)
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the request body must be at most {MAX_BODY_BYTES} bytes")
    return raw
