"""pydantic's validation errors as the envelope's `details`, in the API's own words."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from instance_api.domain.errors import FieldError, Invalid

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

# pydantic's error types, as sentences about the field in the API's own words (never the
# library's: "Input should be...", "List should have ... after validation"). Our own rules
# (PydanticCustomError in models.py) already speak our words and keep theirs.
_MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "missing": lambda _: "is required",
    "extra_forbidden": lambda _: "is not a known field",
    "string_type": lambda _: "must be a string",
    "bool_type": lambda _: "must be a boolean (true or false)",
    "int_type": lambda _: "must be an integer",
    "list_type": lambda _: "must be an array",
    "model_type": lambda _: "must be an object",
    "model_attributes_type": lambda _: "must be an object",
    "dict_type": lambda _: "must be an object",
    "too_long": lambda context: f"must have at most {context['max_length']} entries",
    "greater_than_equal": lambda context: f"must be at least {context['ge']}",
    "less_than_equal": lambda context: f"must be at most {context['le']}",
}
# The error types of our own rules (models.py) start with this: their messages are ours already.
OWN_RULE = "rule:"


def _message(error: ErrorDetails) -> str:
    if error["type"].startswith(OWN_RULE):
        return error["msg"]
    words = _MESSAGES.get(error["type"])
    return words(dict(error.get("ctx") or {})) if words else "is not valid"


# pydantic's last location part for an error in a mapping's key rather than its value.
_KEY = "[key]"


def field_path(location: Sequence[int | str]) -> str:
    """`spec.image`, `hostIDs[2]`, `labels.tier` (its key or its value), "" for the body itself."""
    path = ""
    for part in location:
        if part != _KEY:
            path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def field_errors(errors: Sequence[ErrorDetails], drop_prefix: tuple[str, ...] = ()) -> list[FieldError]:
    details: list[FieldError] = []
    for error in errors:
        location = tuple(error["loc"])
        if location[: len(drop_prefix)] == drop_prefix:
            location = location[len(drop_prefix) :]
        details.append({"field": field_path(location), "message": _message(error)})
    return details


def invalid(errors: Sequence[ErrorDetails], drop_prefix: tuple[str, ...] = ()) -> Invalid:
    return Invalid.for_fields(field_errors(errors, drop_prefix))
