"""pydantic's validation errors as the envelope's `details`, in the API's own words."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from instance_api.errors import FieldError, InvalidRequest

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

# pydantic's wording for the generic error types, rephrased as sentences about the field.
_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "string_type": "must be a string",
    "bool_type": "must be a boolean (true or false)",
    "int_type": "must be an integer",
    "list_type": "must be an array",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
}


def field_path(location: Sequence[int | str]) -> str:
    """`spec.image`, `hostIDs[2]`, "" for the body itself."""
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def field_errors(errors: Sequence[ErrorDetails], drop_prefix: tuple[str, ...] = ()) -> list[FieldError]:
    details: list[FieldError] = []
    for error in errors:
        location = tuple(error["loc"])
        if location[: len(drop_prefix)] == drop_prefix:
            location = location[len(drop_prefix) :]
        details.append({"field": field_path(location), "message": _MESSAGES.get(error["type"], error["msg"])})
    return details


def invalid(errors: Sequence[ErrorDetails], drop_prefix: tuple[str, ...] = ()) -> InvalidRequest:
    return InvalidRequest.for_fields(field_errors(errors, drop_prefix))
