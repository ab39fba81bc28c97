"""What stops an operation, said as what happened: no HTTP status and no AWS here.

The domain and its adapters raise these; the HTTP edge maps each to its status, reason and
headers in one table (instance_api.http.answers). Each names an outcome a client can act
on: the request cannot be read (`Malformed`) or breaks a rule (`Invalid`, with `details`),
the instance is absent (`NotFound`), taken (`AlreadyExists`) or moved on (`Conflict`), or
the server cannot answer now (`Unavailable`: try again) or at all (`Fault`: a bug or a
misconfiguration, whose detail only the logs see).
"""

from __future__ import annotations

from typing import TypedDict

# An error never grows with its input: at most this many details, and a name or value the
# client sent is echoed cut to this many characters.
DETAILS_MAX = 20
ECHO_MAX = 64


def clip(text: str) -> str:
    """`text` as an error may echo it: at most ECHO_MAX characters, an ellipsis where cut."""
    return text if len(text) <= ECHO_MAX else text[: ECHO_MAX - 1] + "…"


class FieldError(TypedDict):
    """One entry of `details`: which field (a dotted path, "" for the body) and why."""

    field: str
    message: str


class DomainError(Exception):
    """Base of every outcome that stops an operation; `message` is one human sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Malformed(DomainError):
    """The request cannot be read: not JSON, not an object, a forged nextToken."""


class Invalid(DomainError):
    """The request is readable but fields break the contract; `details` says which."""

    def __init__(self, message: str, details: list[FieldError]) -> None:
        super().__init__(message)
        self.details = details

    @classmethod
    def for_fields(cls, details: list[FieldError]) -> Invalid:
        """One sentence for the error: the field's own when there is one, else a count.

        Field names are the client's (an unknown key, say), so they are clipped; past
        DETAILS_MAX entries the sentence says how many more there were.
        """
        shown: list[FieldError] = [
            {"field": clip(detail["field"]), "message": detail["message"]} for detail in details[:DETAILS_MAX]
        ]
        if len(details) == 1:
            field, message = shown[0]["field"], shown[0]["message"]
            # A rule about the body as a whole ("" field) is already a sentence.
            return cls(f"{field} {message}" if field else message, shown)
        more = len(details) - len(shown)
        if more:
            sentence = (
                f"{len(details)} fields are invalid; details lists the first {len(shown)} ({more} more not listed)"
            )
            return cls(sentence, shown)
        return cls(f"{len(details)} fields are invalid; see details", shown)

    @classmethod
    def field(cls, field: str, message: str) -> Invalid:
        return cls.for_fields([{"field": field, "message": message}])


class NamespaceMismatch(Invalid):
    """An update named a namespace other than the instance's (namespaces are immutable).
    The sentence names no namespace: the caller learns only that theirs is not it."""

    def __init__(self) -> None:
        super().__init__(
            "namespace is immutable: it must equal the instance's own namespace",
            [{"field": "namespace", "message": "must equal the stored namespace"}],
        )


class OutOfScope(Invalid):
    """A body's namespace differs from the namespaced path's."""

    def __init__(self) -> None:
        super().__init__(
            "namespace must equal the namespace in the path",
            [{"field": "namespace", "message": "must equal the namespace in the path"}],
        )


class NotFound(DomainError):
    @classmethod
    def instance(cls, name: str, scope: str | None = None) -> NotFound:
        """On a namespaced path (`scope`) the sentence names neither the instance nor any
        namespace but the caller's own: absent and elsewhere read the same."""
        if scope is not None:
            return cls(f"no instance of that name in namespace {scope!r}")
        return cls(f"instance {name!r} not found")


class AlreadyExists(DomainError):
    """A create met a live instance of that name."""

    @classmethod
    def instance(cls, name: str) -> AlreadyExists:
        return cls(f"instance {name!r} already exists")


class Conflict(DomainError):
    """The stored version differs from the one the client sent."""

    @classmethod
    def stale(cls, name: str, stored_version: int, expected_version: int | None, *, reapply: bool) -> Conflict:
        hint = "; GET it and reapply the change" if reapply else ""
        sent = f"not {expected_version}" if expected_version is not None else "which changed meanwhile"
        return cls(f"instance {name!r} is at version {stored_version}, {sent}{hint}")


class Unavailable(DomainError):
    """A dependency throttled or failed after its retries: the same request may succeed later.
    The message says what failed, for the logs; the client gets the edge's own sentence."""


class Fault(DomainError):
    """The server cannot carry the request out, for a reason the client cannot fix (a bug, a
    misconfiguration, AWS refusing a request): the message is for the logs only."""
