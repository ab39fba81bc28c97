"""A label selector as a DynamoDB filter, so a selected listing ships only what matches.

DynamoDB has no index on labels: a selected listing reads its stretch of the table, the
namespace index or the host index like any other, and the filter drops the items whose
`labels` map does not match before they leave DynamoDB. The read capacity is spent on every
item read, matching or not; what a page may read is bounded (dynamodb.read_page's budget;
docs/decisions.md, "Labels and selectors").

Each requirement is a condition on the map entry `labels.<key>` (the key through a numbered
placeholder: label keys hold '.' and '/'). An item without that entry, or without `labels`
at all (written before instances had labels), has the empty map's answers: `!=` and `notin`
hold for it, as for any absent key, `=`, `in` and `exists` do not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from instance_api.aws.dynamodb import Expression

if TYPE_CHECKING:
    from instance_api.domain.selectors import Requirement, Selector


def _values(expression: Expression, requirement: Requirement) -> str:
    """The requirement's values as placeholders: `:v0`, or `(:v0, :v1)` for IN. Short, and numbered
    across the selector: the largest selector's filter stays well within DynamoDB's 4 KB."""
    placeholders = [
        expression.value(f"v{len(expression.values)}", {"S": value}) for value in sorted(requirement.values)
    ]
    return placeholders[0] if len(placeholders) == 1 else f"({', '.join(placeholders)})"


def _condition(expression: Expression, number: int, requirement: Requirement) -> str:
    entry = f"{expression.name('labels')}.{expression.name(requirement.key, f'k{number}')}"
    if requirement.operator == "exists":
        return f"attribute_exists({entry})"
    if requirement.operator == "!":
        return f"attribute_not_exists({entry})"
    values = _values(expression, requirement)
    single = len(requirement.values) == 1
    if requirement.operator == "in":
        return f"{entry} = {values}" if single else f"{entry} IN {values}"
    differs = f"{entry} <> {values}" if single else f"NOT ({entry} IN {values})"
    return f"(attribute_not_exists({entry}) OR {differs})"


def require_selected(expression: Expression, selector: Selector) -> None:
    """Every requirement of `selector`, as conditions of `expression` (a filter's)."""
    for number, requirement in enumerate(selector.requirements):
        expression.require(_condition(expression, number, requirement))
