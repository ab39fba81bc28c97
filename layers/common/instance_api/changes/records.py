"""What a record of the instances table's stream means: a change a user can see, or none.

The table's stream carries both images of every write (NEW_AND_OLD_IMAGES). A deleted
instance may be kept as a hidden tombstone item (`deletedAt`, `expiresAt`, its last
`version`; docs/contract.md, "Integrity"), and a create may take a tombstone's name, so
the record's event name alone does not say what happened; the images do:

    old image        new image        the change
    none/tombstone   live instance    Instance Created  (INSERT, or MODIFY over a tombstone)
    live instance    live instance    Instance Updated  (none if nothing the API shows differs)
    live instance    tombstone/none   Instance Deleted  (MODIFY to a tombstone, or REMOVE)
    tombstone        none             none              (REMOVE by TTL: hidden bookkeeping)

Instances are read with the one marshaller (aws/items.py's from_item), so hidden attributes never
reach a change, an event or the host index. A record that is none of these (a missing
image, an item that is not an instance) raises MalformedRecord: the consumer reports it
failed, and it ends in the dead-letter queue rather than being silently dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from instance_api.aws.items import DELETED_AT, from_item, is_tombstone
from instance_api.domain.changes import CREATED, DELETED, UPDATED, Change
from instance_api.domain.instance import Instance, rfc3339

# The images each kind of stream record must carry (NEW_AND_OLD_IMAGES).
_IMAGES = {"INSERT": ("NewImage",), "MODIFY": ("OldImage", "NewImage"), "REMOVE": ("OldImage",)}


class MalformedRecord(ValueError):
    """A stream record this consumer cannot read: never skipped, always reported failed."""


def _instance(image: Mapping[str, Any] | None) -> Instance | None:
    """The live instance an image holds; None for no image or a tombstone."""
    if image is None or is_tombstone(dict(image)):
        return None
    try:
        return from_item(dict(image))
    except (KeyError, TypeError, ValueError) as error:
        raise MalformedRecord(f"an image is neither an instance nor a tombstone (missing {error})") from error


def _images(record: Mapping[str, Any]) -> Mapping[str, Any]:
    event_name = record.get("eventName")
    stream = record.get("dynamodb")
    if event_name not in _IMAGES or not isinstance(stream, Mapping):
        raise MalformedRecord(f"not a DynamoDB stream record (eventName {event_name!r})")
    missing = [image for image in _IMAGES[event_name] if not isinstance(stream.get(image), Mapping)]
    if missing:
        raise MalformedRecord(
            f"{event_name} record without {', '.join(missing)} (the stream must be NEW_AND_OLD_IMAGES)"
        )
    return stream


def _deleted_at(stream: Mapping[str, Any]) -> str:
    """When a delete happened: the tombstone says so; a removed item only has the record's time."""
    tombstone = stream.get("NewImage")
    if tombstone is not None and "S" in tombstone.get(DELETED_AT, {}):
        return str(tombstone[DELETED_AT]["S"])
    approximate = stream.get("ApproximateCreationDateTime")
    if not isinstance(approximate, int | float):
        raise MalformedRecord("a REMOVE record without ApproximateCreationDateTime")
    return rfc3339(approximate)


def change_of(record: Mapping[str, Any]) -> Change | None:
    """The change a stream record (Lambda's event shape) stands for; None when no user sees one."""
    stream = _images(record)
    before, after = _instance(stream.get("OldImage")), _instance(stream.get("NewImage"))
    if after is not None and before is None:
        return Change(CREATED, after, None, after["createdAt"])
    if after is not None and before is not None:
        return Change(UPDATED, after, before, after["updatedAt"]) if after != before else None
    if before is not None:
        return Change(DELETED, None, before, _deleted_at(stream))
    return None
