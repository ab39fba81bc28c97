"""The one table from an outcome to what a client gets: status, reason, sentence and headers.

Every error any function answers with, the domain's outcomes (NotFound, Conflict, Invalid,
Unavailable...) and the edge's own refusals (413, 415, 405, 422...), is looked up here, by
its class or the nearest base class listed, so every function answers every error the same
way. Anything not listed is a 500 whose detail only the logs see.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from instance_api.domain.errors import (
    AlreadyExists,
    Conflict,
    Fault,
    FieldError,
    Invalid,
    Malformed,
    NotFound,
    Unavailable,
)
from instance_api.http.errors import (
    IdempotencyKeyReused,
    MethodNotAllowed,
    PayloadTooLarge,
    RequestInProgress,
    UnsupportedMediaType,
)

# How long a client should wait before retrying a 503 or an in-flight 409.
RETRY_AFTER_SECONDS = 1
_RETRY_AFTER = MappingProxyType({"Retry-After": str(RETRY_AFTER_SECONDS)})
NO_HEADERS: Mapping[str, str] = MappingProxyType({})

# Sentences of the answers whose cause the client must not see (it names AWS, a table, a bug).
UNAVAILABLE = "the service is temporarily unavailable; retry after the Retry-After delay"
INTERNAL = "the server failed to process the request; quote the requestId when reporting it"


class Kind(NamedTuple):
    """What every error of a class answers: its status and reason, and, for the errors whose
    own message is for the logs only, the sentence the client gets instead."""

    status: int
    reason: str
    headers: Mapping[str, str] = NO_HEADERS
    sentence: str | None = None


# Most specific first is not needed: the lookup walks each error's classes, nearest first.
KINDS: dict[type[Exception], Kind] = {
    Malformed: Kind(400, "BadRequest"),
    Invalid: Kind(400, "Invalid"),
    NotFound: Kind(404, "NotFound"),
    MethodNotAllowed: Kind(405, "MethodNotAllowed"),
    AlreadyExists: Kind(409, "AlreadyExists"),
    Conflict: Kind(409, "Conflict"),
    RequestInProgress: Kind(409, "Conflict", _RETRY_AFTER),
    PayloadTooLarge: Kind(413, "PayloadTooLarge"),
    UnsupportedMediaType: Kind(415, "UnsupportedMediaType"),
    IdempotencyKeyReused: Kind(422, "Invalid"),
    Fault: Kind(500, "InternalError", sentence=INTERNAL),
    Unavailable: Kind(503, "Unavailable", _RETRY_AFTER, sentence=UNAVAILABLE),
}
_UNEXPECTED = Kind(500, "InternalError", sentence=INTERNAL)


class Answer(NamedTuple):
    status: int
    reason: str
    message: str
    details: list[FieldError] | None
    headers: dict[str, str]


def kind_of(error: Exception) -> Kind:
    for cls in type(error).__mro__:
        kind = KINDS.get(cls)
        if kind is not None:
            return kind
    return _UNEXPECTED


def answer_for(error: Exception) -> Answer:
    kind = kind_of(error)
    message = kind.sentence or str(error)
    headers = dict(kind.headers)
    if isinstance(error, MethodNotAllowed) and error.allowed:
        headers["Allow"] = error.allowed
    details = error.details if isinstance(error, Invalid) else None
    return Answer(kind.status, kind.reason, message, details, headers)
