"""The instance repository and the host index over dicts: the fakes the bench and the tests use.

They keep the contracts of the domain's ports (InstanceRepository, HostIndexRepository) as the
DynamoDB adapters do (the store tier runs the same tests against both): each call is atomic
under a lock, a condition that fails raises the error the client would see (or, for the
index, leaves the newer entry) and changes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from instance_api.domain.changes import Change
from instance_api.domain.commands import UNCONDITIONAL, Expected
from instance_api.domain.errors import AlreadyExists, NotFound
from instance_api.domain.instance import Changes, Draft, Instance, Page
from instance_api.domain.ports import HostWrite, landed, meets, refusal


class InMemoryStore:
    def __init__(self) -> None:
        self.items: dict[str, Instance] = {}
        # A deleted name's last version (its tombstone), and the mark of the create that
        # wrote each live instance with an Idempotency-Key.
        self.tombstones: dict[str, int] = {}
        self.tokens: dict[str, str] = {}
        self._lock = threading.Lock()

    def create(self, draft: Draft, *, token: str | None = None) -> Instance:
        name = draft["name"]
        with self._lock:
            if name in self.items:
                if token is not None and self.tokens.get(name) == token:
                    return self.items[name]
                raise AlreadyExists.instance(name)
            stored: Instance = {**draft, "version": self.tombstones.pop(name, 0) + 1}
            self.items[name] = stored
            if token is not None:
                self.tokens[name] = token
            return stored

    def get(self, name: str, *, scope: str | None = None) -> Instance:
        with self._lock:
            stored = self.items.get(name)
        if stored is None or scope not in (None, stored["namespace"]):
            raise NotFound.instance(name, scope)
        return stored

    def _meeting(self, name: str, expected: Expected, *, reapply: bool) -> Instance:
        """The stored instance, if it is what `expected` requires (else why not)."""
        stored = self.items.get(name)
        if stored is None or not meets(stored, expected):
            raise refusal(expected, name, stored, reapply=reapply)
        return stored

    def update(self, name: str, changes: Changes, updated_at: str, expected: Expected = UNCONDITIONAL) -> Instance:
        with self._lock:
            stored = self._meeting(name, expected, reapply=True)
            updated: Instance = {**stored, **changes, "version": stored["version"] + 1, "updatedAt": updated_at}
            self.items[name] = updated
            return updated

    def delete(self, name: str, deleted_at: str, expires_at: int, expected: Expected = UNCONDITIONAL) -> None:
        with self._lock:
            stored = self._meeting(name, expected, reapply=False)
            del self.items[name]
            self.tokens.pop(name, None)
            self.tombstones[name] = stored["version"]

    def list(self, namespace: str | None, limit: int, start_after: dict[str, str] | None) -> Page:
        with self._lock:
            names = sorted(name for name, item in self.items.items() if namespace in (None, item["namespace"]))
        if start_after is not None:
            names = [name for name in names if name > start_after["name"]]
        page = [self.items[name] for name in names[:limit]]
        more = len(names) > limit
        return Page(page, {"name": page[-1]["name"], "namespace": page[-1]["namespace"]} if more else None)


class InMemoryHostIndex:
    def __init__(self) -> None:
        # (hostID, name) -> (the ordering key of the change that wrote it, the instance or None)
        self.entries: dict[tuple[str, str], tuple[str, Instance | None]] = {}
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

    def list(self, host_id: str, namespace: str | None, limit: int, start_after: dict[str, str] | None) -> Page:
        with self._lock:
            found = sorted(
                (name, instance)
                for (host, name), (_, instance) in self.entries.items()
                if host == host_id and instance is not None and namespace in (None, instance["namespace"])
            )
        after = [instance for name, instance in found if start_after is None or name > start_after["name"]]
        page = after[:limit]
        return Page(page, {"hostID": host_id, "name": page[-1]["name"]} if len(after) > limit else None)
