"""What host agents do: read their host's view, report what runs there (docs/contract.md, "Host agents").

The view is the host index's page of the host (every namespace) with this host's own report
on each instance, under an entity tag made from the host's revision: reading the revision is
the one read a 304 costs. The revision is read *before* the page, and the change consumer
writes it *after* the index (a report, after the report), so a tag never stands for a page
older than the one it was sent with: at worst a client reads an unchanged page once more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from instance_api.domain.errors import Conflict, NotFound
from instance_api.domain.hosts import (
    HostViewQuery,
    Report,
    ReportCommand,
    current,
    host_status,
    matches,
    view_tag,
    with_status,
)
from instance_api.domain.instance import rfc3339

if TYPE_CHECKING:
    from instance_api.domain.pagination import PageTokens
    from instance_api.domain.ports import HostIndexRepository, InstanceRepository, ReportBook, Revisions
    from instance_api.domain.service import Clock


class View(NamedTuple):
    """A page of a host's view and its entity tag; `data` is None when the client's tag still holds."""

    tag: str
    data: dict[str, Any] | None


def _token_scope(query: HostViewQuery) -> str:
    """A view's tokens are bound to its host (and selector): another listing refuses them."""
    scope = f"hostView={query.host_id}"
    return scope if query.selector is None else f"{scope}|labelSelector={query.selector.digest()}"


class HostAgentService:
    def __init__(
        self,
        store: InstanceRepository,
        host_index: Callable[[], HostIndexRepository],
        reports: ReportBook,
        revisions: Revisions,
        tokens: Callable[[], PageTokens],
        clock: Clock,
    ) -> None:
        self._store = store
        self._host_index = host_index
        self._reports = reports
        self._revisions = revisions
        self._tokens = tokens
        self._clock = clock

    def view(self, query: HostViewQuery) -> View:
        tag = view_tag(self._revisions.current(query.host_id), query)
        if matches(tag, query.if_none_match):
            return View(tag, None)
        tokens = self._tokens()
        scope = _token_scope(query)
        start_after = tokens.decode(query.next_token, scope) if query.next_token else None
        page = self._host_index().list(query.host_id, None, query.limit, start_after, query.selector)
        names = [instance["name"] for instance in page.items]
        reports = self._reports.of_host(query.host_id, names) if names else {}
        items = [
            {**instance, "hostStatus": host_status(current(instance, reports.get(instance["name"])))}
            for instance in page.items
        ]
        next_token = tokens.encode(scope, page.last_key) if page.last_key else None
        return View(tag, {"items": items, "nextToken": next_token})

    def report(self, command: ReportCommand) -> dict[str, Any]:
        """Record what the host runs; the instance with its status after the report."""
        instance = self._store.get(command.name)
        if command.host_id not in instance["hostIDs"]:
            raise NotFound(f"host {command.host_id!r} is not in the hostIDs of instance {command.name!r}")
        if command.observed_version > instance["version"]:
            raise Conflict(
                f"observedVersion {command.observed_version} is above instance {command.name!r}'s version "
                f"{instance['version']}"
            )
        report = Report(
            command.host_id,
            command.state,
            command.observed_version,
            command.message,
            rfc3339(self._clock()),
            instance["createdAt"],
        )
        self._reports.record(command.name, report)
        for outcome in self._revisions.bump_all([command.host_id]):
            if isinstance(outcome, Exception):
                raise outcome
        reports = self._reports.of_instance(command.name)
        return with_status(instance, reports)
