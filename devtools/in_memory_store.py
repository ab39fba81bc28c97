"""The instance repository, the host index, host reports and revisions over dicts: the fakes the
bench and the tests use.

They keep the contracts of the domain's ports (InstanceRepository, HostIndexRepository,
ReportBook, Revisions) as the
DynamoDB adapters do (the store tier runs the same tests against both): each call is atomic
under a lock, a condition that fails raises the error the client would see (or, for the
index, leaves the newer entry) and changes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence

from instance_api.domain.changes import Change
from instance_api.domain.commands import UNCONDITIONAL, Expected
from instance_api.domain.errors import Conflict, NotFound
from instance_api.domain.hosts import Report
from instance_api.domain.instance import Changes, Draft, Instance, Page
from instance_api.domain.ports import SELECTED_PAGE_BUDGET, HostWrite, Stored, landed
from instance_api.domain.selectors import Selector
from instance_api.domain.writes import created, deleted, updated


def _page(
    candidates: Iterable[tuple[str, Instance | None]],
    limit: int,
    selector: Selector | None,
    budget: int,
    key_of: Callable[[str, Instance | None], dict[str, str]],
) -> Page:
    """A page of `candidates` (in key order, after the listing's start): the first `limit` that
    are instances (None: a tombstone or marker) matching `selector`, reading at most `budget`
    candidates when there is a selector, as the DynamoDB adapters do (dynamodb.read_page)."""
    items: list[Instance] = []
    for read, (name, instance) in enumerate(candidates, start=1):
        if instance is not None and (selector is None or selector.matches(instance["labels"])):
            if len(items) == limit:
                return Page(items, key_of(items[-1]["name"], items[-1]))
            items.append(instance)
        if selector is not None and read >= budget:
            return Page(items, key_of(name, instance))
    return Page(items, None)


class InMemoryStore:
    def __init__(self, selected_page_budget: int = SELECTED_PAGE_BUDGET) -> None:
        self.items: dict[str, Instance] = {}
        # A deleted name's last version (its tombstone), and the mark of the create that
        # wrote each live instance with an Idempotency-Key.
        self.tombstones: dict[str, int] = {}
        self.tokens: dict[str, str] = {}
        self._selected_page_budget = selected_page_budget
        self._lock = threading.Lock()

    def _stored(self, name: str) -> Stored:
        live = self.items.get(name)
        last_version = live["version"] if live is not None else self.tombstones.get(name, 0)
        return Stored(live, last_version, self.tokens.get(name))

    def stored(self, name: str) -> Stored:
        with self._lock:
            return self._stored(name)

    def create(self, draft: Draft, *, token: str | None = None) -> Instance:
        name = draft["name"]
        with self._lock:
            stored = self._stored(name)
            instance = created(draft, stored, token)
            if stored.instance is None:
                self.items[name] = instance
                self.tombstones.pop(name, None)
                if token is not None:
                    self.tokens[name] = token
            return instance

    def get(self, name: str, *, scope: str | None = None) -> Instance:
        with self._lock:
            stored = self.items.get(name)
        if stored is None or scope not in (None, stored["namespace"]):
            raise NotFound.instance(name, scope)
        return stored

    def update(self, name: str, changes: Changes, updated_at: str, expected: Expected = UNCONDITIONAL) -> Instance:
        with self._lock:
            instance = updated(name, changes, updated_at, expected, self._stored(name))
            self.items[name] = instance
            return instance

    def delete(self, name: str, deleted_at: str, expires_at: int, expected: Expected = UNCONDITIONAL) -> None:
        with self._lock:
            instance = deleted(name, expected, self._stored(name))
            del self.items[name]
            self.tokens.pop(name, None)
            self.tombstones[name] = instance["version"]

    def list(
        self, namespace: str | None, limit: int, start_after: dict[str, str] | None, selector: Selector | None = None
    ) -> Page:
        # Tombstones are read past, as the table's scan reads past them (the namespace index holds none).
        with self._lock:
            held = {**dict.fromkeys(self.tombstones if namespace is None else ()), **self.items}
            candidates = [
                (name, instance)
                for name, instance in sorted(held.items())
                if (start_after is None or name > start_after["name"])
                and (instance is None or namespace in (None, instance["namespace"]))
            ]
        return _page(candidates, limit, selector, self._selected_page_budget, _store_key(namespace))


def _store_key(namespace: str | None) -> Callable[[str, Instance | None], dict[str, str]]:
    """The key a page of the store's listing ends at, as the table's (or the index's) key."""

    def key(name: str, instance: Instance | None) -> dict[str, str]:
        return {"name": name} if namespace is None else {"name": name, "namespace": namespace}

    return key


class InMemoryHostIndex:
    def __init__(self, selected_page_budget: int = SELECTED_PAGE_BUDGET) -> None:
        # (hostID, name) -> (the ordering key of the change that wrote it, the instance or None)
        self.entries: dict[tuple[str, str], tuple[str, Instance | None]] = {}
        self._selected_page_budget = selected_page_budget
        self._lock = threading.Lock()

    def apply_all(self, writes: Sequence[HostWrite]) -> list[bool | Exception]:
        outcomes: list[bool | Exception] = []
        with self._lock:
            for write in writes:
                change, key = write.change, write.entry
                newer = key not in self.entries or self.entries[key][0] < change.sequence
                if newer:
                    self.entries[key] = (change.sequence, change.instance if write.present else None)
                outcomes.append(newer)
        return outcomes

    def apply(self, change: Change) -> int:
        return landed(self.apply_all(HostWrite.of(change)))

    def list(
        self,
        host_id: str,
        namespace: str | None,
        limit: int,
        start_after: dict[str, str] | None,
        selector: Selector | None = None,
    ) -> Page:
        # Markers (None) are read past, as the index's query reads past them.
        with self._lock:
            candidates = sorted(
                (name, instance)
                for (host, name), (_, instance) in self.entries.items()
                if host == host_id
                and (start_after is None or name > start_after["name"])
                and (instance is None or namespace in (None, instance["namespace"]))
            )
        return _page(
            candidates, limit, selector, self._selected_page_budget, lambda name, _: {"hostID": host_id, "name": name}
        )


class InMemoryReports:
    """Host reports over a dict, keyed (name, host ID), with the DynamoDB adapter's condition: a
    report older than its host's last one on the same generation is a Conflict."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Report] = {}
        self._lock = threading.Lock()

    def record(self, name: str, report: Report) -> None:
        with self._lock:
            last = self.items.get((name, report.host_id))
            if (
                last is not None
                and last.generation == report.generation
                and last.observed_version > report.observed_version
            ):
                raise Conflict(
                    f"host {report.host_id!r} last reported observedVersion {last.observed_version} of instance "
                    f"{name!r}; a report of {report.observed_version} is older"
                )
            self.items[(name, report.host_id)] = report

    def of_instance(self, name: str) -> dict[str, Report]:
        with self._lock:
            return {host: report for (held, host), report in self.items.items() if held == name}

    def of_host(self, host_id: str, names: Sequence[str]) -> dict[str, Report]:
        with self._lock:
            return {name: self.items[(name, host_id)] for name in names if (name, host_id) in self.items}


class InMemoryRevisions:
    """Each host's revision: a counter, replaced by the next on every bump."""

    def __init__(self) -> None:
        self.revisions: dict[str, str] = {}
        self._next = 0
        self._lock = threading.Lock()

    def current(self, host_id: str) -> str:
        with self._lock:
            return self.revisions.get(host_id, "")

    def bump_all(self, host_ids: Sequence[str]) -> list[Exception | None]:
        with self._lock:
            for host_id in host_ids:
                self._next += 1
                self.revisions[host_id] = str(self._next)
            return [None] * len(host_ids)
