"""Stream records into changes: what each record means, how changes of one name are ordered,
and the events built from them, checked against the committed JSON Schema."""

from __future__ import annotations

import json
from collections import deque
from typing import Any

import jsonschema
import pytest

from devtools.event_schema import EVENT_SCHEMA_PATH, build, render
from instance_api.aws.eventbridge import (
    ATTEMPTS,
    CALL_MAX_BYTES,
    SOURCE,
    EventBridgePublisher,
    Outgoing,
    entry,
    entry_size,
    next_calls,
)
from instance_api.changes.records import MalformedRecord, change_of
from instance_api.domain.changes import CREATED, DELETED, UPDATED, Change, Event, change_event, detail
from instance_api.domain.instance import rfc3339
from instance_api.domain.ports import Publication
from tests.stream_records import (
    at_version,
    image,
    insert,
    later,
    modify,
    named,
    on_hosts,
    poison,
    recorded,
    remove,
    tombstone,
)

SCHEMA: dict[str, Any] = json.loads(EVENT_SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def change(record: dict[str, Any]) -> Change:
    found = change_of(record)
    assert found is not None
    return found


# -- what a record means ---------------------------------------------------------------------------


def test_given_the_recorded_life_of_an_instance_when_reading_it_then_created_updated_deleted_created() -> None:
    inserted, modified, deleted, again = (change(record) for record in recorded())
    assert [record["eventName"] for record in recorded()] == ["INSERT", "MODIFY", "MODIFY", "MODIFY"]
    assert (inserted.kind, inserted.previous, inserted.instance and inserted.instance["version"]) == (CREATED, None, 1)
    assert (modified.kind, modified.previous == inserted.instance) == (UPDATED, True)
    assert modified.instance is not None
    assert (modified.instance["version"], modified.instance["hostIDs"]) == (2, ["host-b", "host-c"])
    assert (deleted.kind, deleted.instance, deleted.previous) == (DELETED, None, modified.instance)
    assert deleted.changed_at == recorded()[2]["dynamodb"]["NewImage"]["deletedAt"]["S"], "the tombstone's time"
    assert (again.kind, again.previous) == (CREATED, None), "a create over a tombstone"
    assert again.instance is not None
    assert (again.instance["version"], again.instance["hostIDs"]) == (3, ["host-a"]), "the version goes on"


def test_given_an_update_when_reading_its_hosts_then_removed_ones_are_left_and_kept_or_added_ones_hold_it() -> None:
    modified = change(recorded()[1])
    assert modified.hosts() == {"host-a": False, "host-b": True, "host-c": True}
    assert change(recorded()[2]).hosts() == {"host-b": False, "host-c": False}
    assert change(recorded()[3]).hosts() == {"host-a": True}


def test_given_a_delete_that_keeps_a_tombstone_when_reading_it_then_it_is_a_delete_at_the_tombstone_s_time() -> None:
    live = image(recorded()[1])
    deleted = change(modify(live, tombstone(live, "2026-11-28T12:00:00.000Z"), 5))
    assert (deleted.kind, deleted.instance, deleted.changed_at) == (DELETED, None, "2026-11-28T12:00:00.000Z")
    assert deleted.previous is not None
    assert deleted.previous["version"] == 2


def test_given_a_create_over_a_tombstone_when_reading_it_then_it_is_a_create_with_no_previous() -> None:
    live = image(recorded()[1])
    again = at_version(live, 3, created_at="2026-11-29T08:00:00.000Z")
    created = change(modify(tombstone(live), again, 6))
    assert (created.kind, created.previous) == (CREATED, None)
    assert created.instance is not None
    assert (created.instance["version"], created.changed_at) == (3, "2026-11-29T08:00:00.000Z")


def test_given_a_tombstone_removed_by_its_ttl_when_reading_it_then_no_user_sees_a_change() -> None:
    assert change_of(remove(tombstone(image(recorded()[1])), 7, by_ttl=True)) is None


def test_given_a_write_nothing_of_the_api_s_shape_changed_when_reading_it_then_there_is_no_change() -> None:
    live = image(recorded()[0])
    assert change_of(modify(live, {**live, "creationToken": {"S": "hidden"}}, 8)) is None


def test_given_an_item_removed_by_hand_when_reading_it_then_a_delete_at_the_time_of_its_record() -> None:
    removed = remove(image(recorded()[1]), 5)
    deleted = change(removed)
    assert (deleted.kind, deleted.instance) == (DELETED, None)
    assert deleted.changed_at == rfc3339(removed["dynamodb"]["ApproximateCreationDateTime"])


def test_given_hidden_attributes_when_reading_a_change_then_they_reach_neither_side() -> None:
    live = {**image(recorded()[0]), "creationToken": {"S": "hidden"}}
    created = change(insert(live, 9))
    assert created.instance is not None
    assert "creationToken" not in created.instance


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        ({"eventName": "INSERT"}, "not a DynamoDB stream record"),
        ({"eventName": "TRUNCATE", "dynamodb": {}}, "not a DynamoDB stream record"),
        ({"eventName": "MODIFY", "dynamodb": {"NewImage": {"name": {"S": "a"}}}}, "without OldImage"),
        (
            {"eventName": "REMOVE", "dynamodb": {"OldImage": {"name": {"S": "a"}}}},
            "neither an instance nor a tombstone",
        ),
    ],
)
def test_given_a_record_the_consumer_cannot_read_when_reading_it_then_it_is_malformed(
    record: dict[str, Any], problem: str
) -> None:
    with pytest.raises(MalformedRecord, match=problem):
        change_of(record)


def test_given_a_poison_record_when_reading_it_then_it_is_malformed_not_skipped() -> None:
    with pytest.raises(MalformedRecord):
        change_of(poison(1))


# -- the order of one name's changes ---------------------------------------------------------------


def test_given_one_instance_s_changes_when_ordering_them_then_each_comes_after_the_one_before() -> None:
    keys = [change(record).sequence for record in recorded()]
    assert keys == sorted(keys)
    assert len(set(keys)) == 4, "a delete carries the last update's version yet orders after it"


def test_given_a_name_created_again_after_its_tombstone_expired_when_ordering_then_it_follows_the_old_life() -> None:
    deleted = change(remove(image(recorded()[1]), 5))
    # After the tombstone's 30 days (from the recorded delete, which loading moved to now).
    reborn_at = later(deleted.changed_at, days=31)
    reborn = change(insert(at_version(image(recorded()[0]), 1, created_at=reborn_at), 10))
    assert reborn.sequence > deleted.sequence


def test_given_versions_of_different_widths_when_ordering_then_strings_compare_as_numbers() -> None:
    nine = change(insert(at_version(image(recorded()[0]), 9), 1))
    ten = change(insert(at_version(image(recorded()[0]), 10), 2))
    assert nine.sequence < ten.sequence


# -- the events built from changes -----------------------------------------------------------------


def test_given_the_committed_event_schema_when_regenerating_it_then_nothing_changes() -> None:
    assert EVENT_SCHEMA_PATH.read_text(encoding="utf-8") == render(build()), "stale: run `make openapi`"


def test_given_each_recorded_change_when_building_its_event_then_the_detail_matches_the_schema() -> None:
    for record in recorded():
        built = entry(change_event(change(record)), "bus")
        assert (built["Source"], built["EventBusName"]) == (SOURCE, "bus")
        VALIDATOR.validate(json.loads(built["Detail"]))


def test_given_a_delete_when_building_its_detail_then_it_names_the_deleted_instance_and_its_last_version() -> None:
    deleted = change(recorded()[2])
    assert deleted.previous is not None
    assert detail(deleted) == {
        "name": "web-1",
        "namespace": "team-a",
        "version": 2,
        "instance": None,
        "previous": deleted.previous,
        "changedAt": deleted.changed_at,
    }
    assert entry(change_event(deleted), "bus")["Time"].isoformat().startswith(deleted.changed_at[:19])


@pytest.mark.parametrize(
    "broken",
    [
        {"instance": None, "previous": None},
        {"version": 0},
        {"changedAt": "2026-11-28T10:00:00Z"},
        {"namespace": "Team_A"},
        {"extra": 1},
    ],
)
def test_given_a_detail_that_breaks_the_contract_when_validating_it_then_the_schema_refuses_it(
    broken: dict[str, Any],
) -> None:
    valid = detail(change(recorded()[1]))
    assert VALIDATOR.is_valid(valid)
    assert not VALIDATOR.is_valid({**valid, **broken})


def test_given_an_instance_in_an_event_when_validating_it_then_the_instance_schema_is_the_api_s() -> None:
    updated = detail(change(recorded()[1]))
    assert updated["instance"] is not None
    assert not VALIDATOR.is_valid({**updated, "instance": {**updated["instance"], "creationToken": "x"}})
    assert not VALIDATOR.is_valid({**updated, "instance": {**updated["instance"], "hostIDs": "host-a"}})


class _Refusing:
    """EventBridge refusing every entry of every call, the calls kept."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def put_events(self, *, Entries: list[dict[str, Any]]) -> Any:  # noqa: N803 - botocore's name
        self.calls.append(len(Entries))
        refused = {"ErrorCode": "InternalFailure", "ErrorMessage": "try later"}
        return {"FailedEntryCount": len(Entries), "Entries": [refused] * len(Entries)}


def outgoing(name: str, position: int, detail_bytes: int = 10) -> Outgoing:
    entry = {"Source": SOURCE, "DetailType": CREATED, "Detail": "x" * detail_bytes, "Time": 0}
    return Outgoing(name, position, entry)


def test_given_eventbridge_refuses_an_entry_every_time_when_publishing_then_its_record_fails_after_three_tries() -> (
    None
):
    bridge, pauses = _Refusing(), list[float]()
    publisher = EventBridgePublisher(bridge, "bus", pause=pauses.append)
    events = [Publication(position, Event("web-1", CREATED, {}, "2026-11-28T12:00:00.000Z")) for position in (0, 1)]
    sent, failed = publisher.publish_all(events, before=2)
    assert (sent, failed) == (0, {0: "InternalFailure try later"})
    assert bridge.calls == [1] * ATTEMPTS, "the instance's second event never goes out"
    assert len(pauses) == ATTEMPTS


def test_given_an_entry_when_sizing_it_then_it_counts_as_eventbridge_counts() -> None:
    entry = {"Source": "src", "DetailType": "dé", "Detail": '{"a":"é"}', "Resources": ["r1"], "Time": 0}
    assert entry_size(entry) == 14 + 3 + 3 + 10 + 2
    assert entry_size({"Source": "s", "DetailType": "d"}) == 2, "no Time, no Detail: nothing counted for them"


def test_given_events_of_many_instances_when_planning_calls_then_ten_to_a_call_within_the_size_limit() -> None:
    small = {f"i-{n}": deque([outgoing(f"i-{n}", n)]) for n in range(23)}
    assert [len(call) for call in next_calls(small, before=100)] == [10, 10, 3]
    big = {f"i-{n}": deque([outgoing(f"i-{n}", n, CALL_MAX_BYTES // 3)]) for n in range(5)}
    assert [len(call) for call in next_calls(big, before=100)] == [2, 2, 1], "under 1 MB in all per call"


def test_given_several_events_of_one_instance_when_planning_calls_then_a_round_holds_its_oldest_only() -> None:
    queues = {"web-1": deque([outgoing("web-1", 0), outgoing("web-1", 2)]), "db-1": deque([outgoing("db-1", 1)])}
    (call,) = next_calls(queues, before=100)
    assert [(event.key, event.position) for event in call] == [("web-1", 0), ("db-1", 1)]
    assert next_calls(queues, before=1) == [[queues["web-1"][0]]], "nothing from the record at `before` on"


def test_given_other_names_and_hosts_when_building_changes_then_each_stands_alone() -> None:
    other = change(insert(on_hosts(named(image(recorded()[0]), "db-1"), "host-z"), 11))
    assert (other.subject["name"], other.hosts()) == ("db-1", {"host-z": True})
