"""What the operations take: one command or query per operation, plain data.

A command's `scope` (in `Expected`, or its own) is the namespace of the path it came on
(/api/v1/namespaces/{ns}/...): an instance outside it is treated as absent, so nothing on
a namespaced path reveals or touches another namespace. None is the seed's cluster-wide
path. The HTTP edge (instance_api.http) builds these from a request; the service runs them.
A write's `dry_run` asks for its answer without the write: every check, nothing stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from instance_api.domain.instance import Changes, Desired

if TYPE_CHECKING:
    from instance_api.domain.selectors import Selector


class Expected(NamedTuple):
    """What a write to an existing instance requires of it, each checked in the write itself:
    the `version` a client read (another is a Conflict), the `namespace` a body named
    (another is Invalid) and the `scope` of a namespaced path (an instance outside it is
    NotFound, as if absent). None requires nothing."""

    version: int | None = None
    namespace: str | None = None
    scope: str | None = None


# A write that requires nothing of the instance but that it is there.
UNCONDITIONAL = Expected()


class CreateCommand(NamedTuple):
    """A create; `name` None asks the server to generate one."""

    name: str | None
    namespace: str
    desired: Desired
    dry_run: bool = False


class UpdateCommand(NamedTuple):
    name: str
    changes: Changes
    expected: Expected = UNCONDITIONAL
    dry_run: bool = False


class GetQuery(NamedTuple):
    name: str
    scope: str | None = None


class ListQuery(NamedTuple):
    """A page of instances: of one namespace (or all); with `host_id`, only those on that host;
    with `selector`, only those whose labels it matches."""

    namespace: str | None
    limit: int
    next_token: str | None
    host_id: str | None = None
    selector: Selector | None = None


class DeleteCommand(NamedTuple):
    name: str
    expected: Expected = UNCONDITIONAL
    dry_run: bool = False
