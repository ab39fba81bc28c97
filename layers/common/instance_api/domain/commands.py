"""What the operations take: one command or query per operation, plain data.

A command's `scope` (in `Expected`, or its own) is the namespace of the path it came on
(/api/v1/namespaces/{ns}/...): an instance outside it is treated as absent, so nothing on
a namespaced path reveals or touches another namespace. None is the seed's cluster-wide
path. The HTTP edge (instance_api.http) builds these from a request; the service runs them.
A write's `dry_run` asks for its answer without the write: every check, nothing stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from instance_api.domain.instance import Changes, Desired
from instance_api.domain.selectors import Selector


@dataclass(frozen=True, slots=True)
class Expected:
    """What a write to an existing instance requires of it, each checked in the write itself:
    the `version` a client read (another is a Conflict), the `namespace` a body named
    (another is Invalid) and the `scope` of a namespaced path (an instance outside it is
    NotFound, as if absent). None requires nothing."""

    version: int | None = None
    namespace: str | None = None
    scope: str | None = None


# A write that requires nothing of the instance but that it is there.
UNCONDITIONAL = Expected()


@dataclass(frozen=True, slots=True)
class CreateCommand:
    """A create; `name` None asks the server to generate one."""

    name: str | None
    namespace: str
    desired: Desired
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class UpdateCommand:
    name: str
    changes: Changes
    expected: Expected = UNCONDITIONAL
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class GetQuery:
    name: str
    scope: str | None = None


@dataclass(frozen=True, slots=True)
class ListQuery:
    """A page of instances: of one namespace (or all); with `host_id`, only those on that host;
    with `selector`, only those whose labels it matches."""

    namespace: str | None
    limit: int
    next_token: str | None
    host_id: str | None = None
    selector: Selector | None = None


@dataclass(frozen=True, slots=True)
class DeleteCommand:
    name: str
    expected: Expected = UNCONDITIONAL
    dry_run: bool = False
