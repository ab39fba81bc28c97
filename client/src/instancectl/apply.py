"""`apply`: make the API hold what a document says, whatever it holds now.

For each document: GET the instance; if absent, create it; otherwise PUT only the fields
that differ, with the `version` just read, so a concurrent write is never overwritten.
When another writer gets in between (409 `Conflict` on the PUT, 409 `AlreadyExists` on the
create, 404 on the PUT because it was deleted), apply reads again and recomputes the
difference, a bounded number of times. A document manages only the fields it names
(`spec` as a whole, `shareStorage`, `hostIDs`): a field it leaves out is left as it is. When
nothing differs, nothing is written, so applying twice changes no version.

A dry run (`apply --dry-run`) sends every write it would make with `?dryRun=true`: the API
runs the write's own checks and answers what it would store, and stores nothing. A plan
(`diff`) sends no write at all: it is computed here from what the API holds, so a role that
may only read can run it. `prune` deletes the instances of a namespace that a label selector
matches and no document names, each at the version it was listed at.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from instancectl.client import Instance, InstanceClient
from instancectl.documents import Document
from instancectl.errors import ApiError, ApplyError, UnexpectedAnswer

MANAGED_FIELDS = ("spec", "shareStorage", "hostIDs", "labels")
DEFAULT_CONFLICT_ATTEMPTS = 5
_log = logging.getLogger("instancectl")


class Action(str, Enum):  # StrEnum is 3.11+; the client runs on 3.10
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    PRUNED = "pruned"

    def __str__(self) -> str:  # what StrEnum prints: the value, not "Action.CREATED"
        return self.value


class Mode(str, Enum):
    """How an apply treats the writes it works out."""

    WRITE = "write"  # makes them
    DRY_RUN = "dry-run"  # sends each with ?dryRun=true: the API checks and answers it, writes nothing
    PLAN = "plan"  # sends none: computed here from reads alone (diff)


@dataclass(frozen=True)
class Change:
    field: str
    current: Any
    desired: Any


@dataclass(frozen=True)
class ApplyResult:
    action: Action
    instance: Instance  # as stored after the apply; in a dry run, as it would be; pruned, as it was
    changes: tuple[Change, ...] = ()
    dry_run: bool = False
    status: dict[str, Any] | None = None  # apply --wait: the instance's status as the wait last read it

    @property
    def name(self) -> str:
        return str(self.instance.get("name", ""))

    def as_dict(self) -> dict[str, Any]:
        shown = {
            "action": self.action.value,
            "dryRun": self.dry_run,
            "changes": [{"field": c.field, "from": c.current, "to": c.desired} for c in self.changes],
            "instance": self.instance,
        }
        return shown if self.status is None else {**shown, "status": self.status}


class _Raced(Exception):
    """Another writer got in between this apply's read and its write."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(str(error))
        self.error = error


def differences(desired: Mapping[str, Any], current: Mapping[str, Any]) -> tuple[Change, ...]:
    """The managed fields the document names whose value differs from the stored one."""
    return tuple(
        Change(field, current.get(field), desired[field])
        for field in MANAGED_FIELDS
        if field in desired and desired[field] != current.get(field)
    )


def apply(
    client: InstanceClient,
    document: Document,
    *,
    mode: Mode = Mode.WRITE,
    conflict_attempts: int = DEFAULT_CONFLICT_ATTEMPTS,
) -> ApplyResult:
    """Apply one document; after `conflict_attempts` lost races the last 409 (or 404) is raised."""
    if document.name is None:
        raise ApplyError(f"{document.source}: apply needs a name (create -f accepts a document without one)")
    for attempt in range(1, conflict_attempts + 1):
        try:
            return _apply_once(client, document, document.name, mode)
        except _Raced as raced:
            if attempt == conflict_attempts:
                raise raced.error from None
            wait = client.retry_policy.backoff(attempt)
            _log.warning("%s: %s; reading it again in %.1f s", document.name, raced.error, wait)
            client.retry_policy.sleep(wait)
    raise AssertionError("unreachable: the loop returns or raises")


def _apply_once(client: InstanceClient, document: Document, name: str, mode: Mode) -> ApplyResult:
    current = _current(client, name, document.namespace)
    dry_run = mode is not Mode.WRITE
    if current is None:
        return _create(client, document, mode)
    changes = differences(document.body, current)
    if not changes:
        return ApplyResult(Action.UNCHANGED, current, dry_run=dry_run)
    fields = {change.field: change.desired for change in changes}
    if mode is Mode.PLAN:
        return ApplyResult(Action.UPDATED, {**current, **fields}, changes, True)
    version = stored_version(current, name, "updating")
    try:
        updated = client.update(name, fields, version=version, namespace=document.namespace, dry_run=dry_run)
    except ApiError as error:
        if error.status in (404, 409):  # deleted, or written, since the read
            raise _Raced(error) from error
        raise
    return ApplyResult(Action.UPDATED, updated, changes, dry_run)


def stored_version(instance: Instance, name: str, doing: str) -> int:
    """The version the API answered with: without it, a write could overwrite a newer instance."""
    version = instance.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise UnexpectedAnswer(f"{name}: the API's instance has no integer version ({version!r}): not {doing} it")
    return version


def _current(client: InstanceClient, name: str, namespace: str | None) -> Instance | None:
    try:
        return client.get(name, namespace=namespace)
    except ApiError as error:
        if error.status == 404 and error.reason == "NotFound":
            return None
        raise


def _create(client: InstanceClient, document: Document, mode: Mode) -> ApplyResult:
    changes = tuple(Change(field, None, value) for field, value in document.body.items() if field != "name")
    if mode is Mode.PLAN:
        return ApplyResult(Action.CREATED, dict(document.body), changes, True)
    try:
        created = client.create(document.body, dry_run=mode is Mode.DRY_RUN)
    except ApiError as error:
        # Created by another writer since the read, unless it is still invisible from here
        # (a name is unique across namespaces: it may be taken in another one).
        taken = error.status == 409 and error.reason == "AlreadyExists"
        if taken and _current(client, str(document.name), document.namespace) is not None:
            raise _Raced(error) from error
        raise
    return ApplyResult(Action.CREATED, created, changes, mode is Mode.DRY_RUN)


def prune_candidates(
    client: InstanceClient, namespace: str, selector: str, documents: Sequence[Document]
) -> list[Instance]:
    """The instances of `namespace` that `selector` matches and no document names, listed in full
    before anything is deleted. Listed on the namespace's own path; an answer holding another
    namespace's instance is not the API's, and nothing is pruned."""
    named = {document.name for document in documents}
    listed = list(client.list_all(namespace=namespace, selector=selector))
    strays = sorted({str(instance.get("namespace")) for instance in listed} - {namespace})
    if strays:
        raise UnexpectedAnswer(
            f"listing namespace {namespace!r} answered instances of {', '.join(map(repr, strays))}: pruning nothing"
        )
    return [instance for instance in listed if instance.get("name") not in named]


def prune(client: InstanceClient, instance: Instance, namespace: str, *, mode: Mode = Mode.WRITE) -> ApplyResult:
    """Delete `instance` at the version it was listed at: a change since is a 409 (raised, for
    the caller to report), never a lost write; one deleted since is already pruned."""
    name = str(instance.get("name"))
    if mode is Mode.PLAN:
        return ApplyResult(Action.PRUNED, instance, dry_run=True)
    version = stored_version(instance, name, "deleting")
    try:
        client.delete(name, version=version, namespace=namespace, dry_run=mode is Mode.DRY_RUN)
    except ApiError as error:
        if error.status != 404 or error.reason != "NotFound":
            raise
        _log.warning("%s: already gone (%s)", name, error)
    return ApplyResult(Action.PRUNED, instance, dry_run=mode is Mode.DRY_RUN)
