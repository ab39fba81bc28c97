"""Request bodies: from an API Gateway proxy event to a validated request model.

Checks run cheapest first: size (413, body_size.py), then media type (415), then JSON shape
(400 BadRequest), then field rules (400 Invalid with `details`). Only the functions that take
a body import this module, and with it pydantic.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from instance_api.body_size import sized_body
from instance_api.details import invalid
from instance_api.domain import DeleteCommand
from instance_api.errors import BadRequest, InvalidRequest, clip
from instance_api.http_headers import require_json_media_type
from instance_api.http_query import single_query_values, validated
from instance_api.models import DeleteInstanceRequest
from instance_api.rules import dns_label_problem

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent


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


def _decode(raw: bytes) -> Any:
    """The body as JSON: UTF-8 text, each key once, numbers bounded, nesting bounded."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the request body is not UTF-8 text") from None
    try:
        decoded = json.loads(text, object_pairs_hook=_object, parse_int=_integer, parse_constant=_not_json)
        if "\\u" in text:
            # A \u escape can name half of a surrogate pair, which is no character at all.
            json.dumps(decoded, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest("the request body escapes a character that is not Unicode (a lone surrogate)") from None
    except _RepeatedKey as repeated:
        raise BadRequest(f"the request body repeats the key {clip(repeated.key)!r}; send each key once") from None
    except RecursionError:
        raise BadRequest("the request body nests too deeply to be an instance") from None
    except ValueError:
        raise BadRequest("the request body is not valid JSON") from None
    return decoded


def parse_optional_body[Model: BaseModel](event: APIGatewayProxyEvent, model: type[Model]) -> Model | None:
    """Validate the JSON body against `model`; None when there is no body."""
    raw = sized_body(event)
    if not raw:
        return None
    require_json_media_type(event)
    decoded = _decode(raw)
    if not isinstance(decoded, dict):
        raise BadRequest("the request body must be a JSON object")
    try:
        return model.model_validate(decoded)
    except ValidationError as error:
        raise invalid(error.errors(include_url=False, include_input=False)) from None


def parse_body[Model: BaseModel](event: APIGatewayProxyEvent, model: type[Model]) -> Model:
    """Validate the JSON body against `model`; a missing body is a 400."""
    parsed = parse_optional_body(event, model)
    if parsed is None:
        raise BadRequest("the request body must be a JSON object")
    return parsed


def parse_delete(event: APIGatewayProxyEvent, scope: str | None = None) -> DeleteCommand:
    """Name from the JSON body (the seed's `-d@delete.json`) or from `?name=`."""
    query = single_query_values(event, frozenset({"name"}))
    body = parse_optional_body(event, DeleteInstanceRequest)
    query_name = validated("name", query["name"], dns_label_problem) if "name" in query else None
    body_name = body.name if body else None
    if query_name and body_name and query_name != body_name:
        raise InvalidRequest.for_fields([{"field": "name", "message": "differs between the query string and the body"}])
    name = query_name or body_name
    if name is None:
        raise InvalidRequest.for_fields([{"field": "name", "message": "is required (in the JSON body or as ?name=)"}])
    return DeleteCommand(name=name, version=body.version if body else None, scope=scope)
