"""Request bodies: an API Gateway proxy event's body as bytes, and those bytes as JSON.

The resolver (request.py) checks the size on these bytes first, whatever the method, then
the media type, then decodes them here; each operation's own reader then checks the fields.
Nothing here imports pydantic.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

from instance_api.domain.errors import Malformed, clip
from instance_api.http.errors import PayloadTooLarge

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

MAX_BODY_BYTES = 64 * 1024


def body_bytes(event: APIGatewayProxyEvent) -> bytes:
    """The body as sent (base64 decoded), refused past MAX_BODY_BYTES whatever the method."""
    body = event.body
    if not body:
        return b""
    if event.is_base64_encoded:
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as error:
            raise Malformed("the request body is not valid base64") from error
    else:
        # surrogatepass: a string API Gateway could not have made from UTF-8 still becomes
        # bytes, which the UTF-8 check of decode_json then refuses (400), rather than failing
        # here (500).
        raw = body.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the request body must be at most {MAX_BODY_BYTES} bytes")
    return raw


class _RepeatedKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refused when it names a key twice: a proxy or policy reading the first
    of two keys would see another request than the one we would store (the last)."""
    decoded = dict(pairs)
    if len(decoded) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise _RepeatedKey(key)
            seen.add(key)
    return decoded


# Longer integers are outside every field's range; converting them costs time (Python
# refuses past 4,300 digits), so they become one number that is out of range everywhere.
_INTEGER_DIGITS_MAX = 24
_OUT_OF_RANGE: int = 10**_INTEGER_DIGITS_MAX


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > _INTEGER_DIGITS_MAX:
        return -_OUT_OF_RANGE if text.startswith("-") else _OUT_OF_RANGE
    return int(text)


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")  # NaN, Infinity: Python's extension, not JSON


def decode_json(raw: bytes) -> Any:
    """The body as JSON: UTF-8 text, each key once, numbers bounded, nesting bounded."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("the request body is not UTF-8 text") from None
    try:
        decoded = json.loads(text, object_pairs_hook=_object, parse_int=_integer, parse_constant=_not_json)
        if "\\u" in text:
            # A \u escape can name half of a surrogate pair, which is no character at all.
            json.dumps(decoded, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise Malformed("the request body escapes a character that is not Unicode (a lone surrogate)") from None
    except _RepeatedKey as repeated:
        raise Malformed(f"the request body repeats the key {clip(repeated.key)!r}; send each key once") from None
    except RecursionError:
        raise Malformed("the request body nests too deeply to be an instance") from None
    except ValueError:
        raise Malformed("the request body is not valid JSON") from None
    return decoded
