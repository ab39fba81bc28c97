"""Query strings: each parameter known and given once, and the values the listings take.

Unknown or repeated query parameters are rejected, so a typo never silently widens a
listing. Nothing here imports pydantic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from instance_api.domain import selectors
from instance_api.domain.errors import FieldError, Invalid, Malformed
from instance_api.domain.selectors import Selector

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

LIST_LIMIT_DEFAULT = 100
LIST_LIMIT_MAX = 500
NEXT_TOKEN_MAX = 2048
LABEL_SELECTOR = selectors.FIELD
# A write with ?dryRun=true runs every check and answers, and writes nothing.
DRY_RUN = "dryRun"
_BOOLEANS = {"true": True, "false": False}


def query_values(event: APIGatewayProxyEvent, known: frozenset[str]) -> dict[str, str]:
    """The query parameters, each `known` and given once (else 400 Invalid naming each that is not)."""
    multi = event.multi_value_query_string_parameters or {}
    single = event.query_string_parameters or {}
    details: list[FieldError] = []
    for key in sorted(set(multi) | set(single)):
        if key not in known:
            details.append({"field": key, "message": "is not a known query parameter"})
        elif len(multi.get(key) or ()) > 1:
            details.append({"field": key, "message": "must be given once"})
    if details:
        raise Invalid.for_fields(details)
    return dict(single)


def validated(field: str, value: str, problem_of: Callable[[str], str | None]) -> str:
    if problem := problem_of(value):
        raise Invalid.field(field, problem)
    return value


def optional(query: dict[str, str], field: str, problem_of: Callable[[str], str | None]) -> str | None:
    value = query.get(field)
    return None if value is None else validated(field, value, problem_of)


def limit(text: str | None) -> int:
    if text is None:
        return LIST_LIMIT_DEFAULT
    # The length first: int() of thousands of digits is slow, and past 4,300 refused.
    digits_ok = text.isascii() and text.isdigit() and len(text) <= len(str(LIST_LIMIT_MAX))
    if not (digits_ok and 1 <= int(text) <= LIST_LIMIT_MAX):
        raise Invalid.field("limit", f"must be an integer from 1 to {LIST_LIMIT_MAX}")
    return int(text)


def next_token(text: str | None) -> str | None:
    if text is not None and not 1 <= len(text) <= NEXT_TOKEN_MAX:
        raise Malformed("nextToken is not valid for this listing")
    return text


def label_selector(query: dict[str, str]) -> Selector | None:
    """The listing's `labelSelector` (None: absent or empty, every instance); 400 Invalid if malformed."""
    text = query.get(LABEL_SELECTOR)
    return None if text is None else selectors.parse(text)


def dry_run(query: dict[str, str]) -> bool:
    """A write's `dryRun`: `true` or `false` exactly (absent: false)."""
    text = query.get(DRY_RUN, "false")
    if text not in _BOOLEANS:
        raise Invalid.field(DRY_RUN, "must be true or false")
    return _BOOLEANS[text]


def dry_run_asked(event: APIGatewayProxyEvent) -> bool:
    """Whether the request asks for a dry run (`dryRun=true`, once), read before anything else
    is: every answer to it says so (the Dry-Run header), an error found before the query included."""
    multi = event.multi_value_query_string_parameters or {}
    single = event.query_string_parameters or {}
    sent = multi.get(DRY_RUN) or ([single[DRY_RUN]] if DRY_RUN in single else [])
    return sent == ["true"]
