"""`apply`: make the API hold what a document says, whatever it holds now.

For each document: GET the instance; if absent, create it; otherwise PUT only the fields
that differ, with the `version` just read, so a concurrent write is never overwritten.
When another writer gets in between (409 `Conflict` on the PUT, 409 `AlreadyExists` on the
create, 404 on the PUT because it was deleted), apply reads again and recomputes the
difference, a bounded number of times. A document manages only the fields it names
(`spec` as a whole, `shareStorage`, `hostIDs`): a field it leaves out is left as it is. When
nothing differs, nothing is written, so applying twice changes no version.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from instancectl.client import Instance, InstanceClient
from instancectl.documents import Document
from instancectl.errors import ApiError, ApplyError, UnexpectedAnswer

MANAGED_FIELDS = ("spec", "shareStorage", "hostIDs")
DEFAULT_CONFLICT_ATTEMPTS = 5
_log = logging.getLogger("instancectl")


class Action(str, Enum):  # StrEnum is 3.11+; the client runs on 3.10
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"

    def __str__(self) -> str:  # what StrEnum prints: the value, not "Action.CREATED"
        return self.value


@dataclass(frozen=True)
class Change:
    field: str
    current: Any
    desired: Any


@dataclass(frozen=True)
class ApplyResult:
    action: Action
    instance: Instance  # as stored after the apply; in a dry run, as it would be
    changes: tuple[Change, ...] = ()
    dry_run: bool = False

    @property
    def name(self) -> str:
        return str(self.instance.get("name", ""))

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action.value,
            "dryRun": self.dry_run,
            "changes": [{"field": c.field, "from": c.current, "to": c.desired} for c in self.changes],
            "instance": self.instance,
        }


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
    dry_run: bool = False,
    conflict_attempts: int = DEFAULT_CONFLICT_ATTEMPTS,
) -> ApplyResult:
    """Apply one document; after `conflict_attempts` lost races the last 409 (or 404) is raised."""
    if document.name is None:
        raise ApplyError(f"{document.source}: apply needs a name (create -f accepts a document without one)")
    for attempt in range(1, conflict_attempts + 1):
        try:
            return _apply_once(client, document, document.name, dry_run)
        except _Raced as raced:
            if attempt == conflict_attempts:
                raise raced.error from None
            wait = client.retry_policy.backoff(attempt)
            _log.warning("%s: %s; reading it again in %.1f s", document.name, raced.error, wait)
            client.retry_policy.sleep(wait)
    raise AssertionError("unreachable: the loop returns or raises")


def _apply_once(client: InstanceClient, document: Document, name: str, dry_run: bool) -> ApplyResult:
    current = _current(client, name, document.namespace)
    if current is None:
        return _create(client, document, dry_run)
    changes = differences(document.body, current)
    if not changes:
        return ApplyResult(Action.UNCHANGED, current, dry_run=dry_run)
    fields = {change.field: change.desired for change in changes}
    if dry_run:
        return ApplyResult(Action.UPDATED, {**current, **fields}, changes, True)
    version = current.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        # Without the version it read, the update could overwrite a newer instance.
        raise UnexpectedAnswer(f"{name}: the API's instance has no integer version ({version!r}): not updating it")
    try:
        updated = client.update(name, fields, version=version, namespace=document.namespace)
    except ApiError as error:
        if error.status in (404, 409):  # deleted, or written, since the read
            raise _Raced(error) from error
        raise
    return ApplyResult(Action.UPDATED, updated, changes)


def _current(client: InstanceClient, name: str, namespace: str | None) -> Instance | None:
    try:
        return client.get(name, namespace=namespace)
    except ApiError as error:
        if error.status == 404 and error.reason == "NotFound":
            return None
        raise


def _create(client: InstanceClient, document: Document, dry_run: bool) -> ApplyResult:
    changes = tuple(Change(field, None, value) for field, value in document.body.items() if field != "name")
    if dry_run:
        return ApplyResult(Action.CREATED, dict(document.body), changes, True)
    try:
        created = client.create(document.body)
    except ApiError as error:
        # Created by another writer since the read, unless it is still invisible from here
        # (a name is unique across namespaces: it may be taken in another one).
        taken = error.status == 409 and error.reason == "AlreadyExists"
        if taken and _current(client, str(document.name), document.namespace) is not None:
            raise _Raced(error) from error
        raise
    return ApplyResult(Action.CREATED, created, changes)
