"""The host index contract: on moto and DynamoDB Local (instance_api.aws.host_index), and the fake."""

from __future__ import annotations

import time
import uuid
from itertools import permutations
from typing import TYPE_CHECKING

import pytest

from devtools.local_aws import client
from devtools.tables import create_table
from instance_api.aws.dynamodb import PAGE_READS
from instance_api.aws.host_index import MARKER_RETENTION_SECONDS, HostIndex
from instance_api.domain.changes import CREATED, DELETED, UPDATED, Change
from instance_api.domain.instance import Instance
from instance_api.domain.ports import HostIndexRepository
from tests.store.conftest import TEMPLATE
from tests.store.test_store import instance

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

DynamoDBIndex = tuple[HostIndex, str, "DynamoDBClient"]

T0 = "2026-11-27T10:00:00.000Z"
# The index's clock, stopped at the run's start: a marker it writes expires two days from the
# day the test runs, whichever day that is, so an engine that honours the TTL keeps it.
CLOCK = int(time.time())


def created(value: Instance) -> Change:
    return Change(CREATED, value, None, value["createdAt"])


def updated(before: Instance, hosts: list[str]) -> Change:
    after: Instance = {**before, "hostIDs": hosts, "version": before["version"] + 1}
    return Change(UPDATED, after, before, after["updatedAt"])


def deleted(before: Instance) -> Change:
    return Change(DELETED, None, before, before["updatedAt"])


def names(index: HostIndexRepository, host: str, namespace: str | None = None, limit: int = 100) -> list[str]:
    return [item["name"] for item in index.list(host, namespace, limit, None).items]


def test_given_a_created_instance_when_listing_its_hosts_then_each_returns_the_whole_instance(
    host_index: HostIndexRepository,
) -> None:
    web = instance("web-1", hostIDs=["host-a", "host-b"], spec={"image": "nginx:1"}, shareStorage=True)
    assert host_index.apply(created(web)) == 2
    for host in ("host-a", "host-b"):
        page = host_index.list(host, None, 10, None)
        assert (page.items, page.last_key) == ([web], None)
    assert names(host_index, "host-z") == []


def test_given_an_update_moving_hosts_when_listing_then_the_old_host_is_empty_and_the_new_ones_hold_it(
    host_index: HostIndexRepository,
) -> None:
    web = instance("web-1", hostIDs=["host-a", "host-b"])
    host_index.apply(created(web))
    moved = updated(web, ["host-b", "host-c"])
    host_index.apply(moved)
    assert names(host_index, "host-a") == []
    assert host_index.list("host-b", None, 10, None).items == [moved.instance]
    assert names(host_index, "host-c") == ["web-1"]


def test_given_a_delete_when_listing_its_hosts_then_none_returns_it(host_index: HostIndexRepository) -> None:
    web = instance("web-1", hostIDs=["host-a"])
    host_index.apply(created(web))
    host_index.apply(deleted(web))
    assert names(host_index, "host-a") == []


def test_given_one_instance_s_changes_in_any_order_when_applying_them_then_the_last_one_wins(
    host_index: HostIndexRepository,
) -> None:
    """A replayed or redriven older record never undoes a newer one, a removal included."""
    first = instance("web-1", hostIDs=["host-a", "host-b"])
    second = updated(first, ["host-b", "host-c"])
    assert second.instance is not None
    changes = [created(first), second, deleted(second.instance)]
    for order, sequence in enumerate(permutations(changes)):
        name = f"web-{order}"
        for change in sequence:
            renamed = Change(
                change.kind,
                None if change.instance is None else {**change.instance, "name": name},
                None if change.previous is None else {**change.previous, "name": name},
                change.changed_at,
            )
            host_index.apply(renamed)
        for host in ("host-a", "host-b", "host-c"):
            assert name not in names(host_index, host), (host, [change.kind for change in sequence])


def test_given_an_update_applied_before_the_create_when_listing_then_the_update_stands(
    host_index: HostIndexRepository,
) -> None:
    first = instance("web-1", hostIDs=["host-a", "host-b"])
    second = updated(first, ["host-b", "host-c"])
    host_index.apply(second)
    host_index.apply(created(first))
    assert names(host_index, "host-a") == []
    assert host_index.list("host-b", None, 10, None).items == [second.instance]
    assert host_index.list("host-c", None, 10, None).items == [second.instance]


def test_given_the_same_change_twice_when_applying_it_then_the_second_writes_nothing(
    host_index: HostIndexRepository,
) -> None:
    change = created(instance("web-1", hostIDs=["host-a", "host-b"]))
    assert host_index.apply(change) == 2
    assert host_index.apply(change) == 0


def test_given_a_name_created_again_after_its_delete_when_listing_then_the_new_life_shows(
    host_index: HostIndexRepository,
) -> None:
    old = instance("web-1", hostIDs=["host-a"], version=5)
    host_index.apply(created(old))
    host_index.apply(deleted(old))
    again = instance("web-1", hostIDs=["host-a"], createdAt="2026-12-01T00:00:00.000Z")
    host_index.apply(created(again))
    assert host_index.list("host-a", None, 10, None).items == [again]


def test_given_many_instances_on_a_host_when_paging_then_each_comes_once_in_name_order(
    host_index: HostIndexRepository,
) -> None:
    wanted = sorted(f"web-{uuid.uuid4().hex[:6]}" for _ in range(7))
    for name in wanted:
        host_index.apply(created(instance(name, hostIDs=["host-a"])))
    seen: list[str] = []
    start = None
    while True:
        page = host_index.list("host-a", None, 3, start)
        seen += [item["name"] for item in page.items]
        if page.last_key is None:
            break
        assert page.last_key["hostID"] == "host-a"
        start = page.last_key
    assert seen == wanted


def test_given_removed_entries_between_live_ones_when_paging_then_pages_skip_them_and_stay_full(
    host_index: HostIndexRepository,
) -> None:
    for number in range(9):
        value = instance(f"app-{number}", hostIDs=["host-a"])
        host_index.apply(created(value))
        if number % 3:
            host_index.apply(deleted(value))
    first = host_index.list("host-a", None, 2, None)
    assert [item["name"] for item in first.items] == ["app-0", "app-3"]
    assert first.last_key is not None
    rest = host_index.list("host-a", None, 2, first.last_key)
    assert [item["name"] for item in rest.items] == ["app-6"]
    assert rest.last_key is None


def test_given_a_namespace_when_listing_a_host_then_only_that_namespace_s_instances_come(
    host_index: HostIndexRepository,
) -> None:
    for name, namespace in (("a-1", "team-a"), ("b-1", "team-b"), ("a-2", "team-a")):
        host_index.apply(created(instance(name, namespace, hostIDs=["host-a"])))
    assert names(host_index, "host-a", "team-a") == ["a-1", "a-2"]
    assert names(host_index, "host-a", "team-c") == []
    page = host_index.list("host-a", "team-a", 1, None)
    assert [item["name"] for item in page.items] == ["a-1"]
    assert [item["name"] for item in host_index.list("host-a", "team-a", 1, page.last_key).items] == ["a-2"]


@pytest.fixture
def dynamodb_index(embedded_dynamodb: str) -> DynamoDBIndex:
    dynamodb = client(embedded_dynamodb)
    name = create_table(dynamodb, TEMPLATE.table("HostIndexTable"), name=f"hosts-{uuid.uuid4().hex[:12]}")
    return HostIndex(dynamodb, name, clock=lambda: CLOCK), name, dynamodb


def test_given_a_removed_entry_when_reading_the_table_then_it_is_a_marker_that_expires(
    dynamodb_index: DynamoDBIndex,
) -> None:
    index, name, dynamodb = dynamodb_index
    web = instance("web-1", hostIDs=["host-a"])
    index.apply(created(web))
    stored = dynamodb.get_item(TableName=name, Key={"hostID": {"S": "host-a"}, "name": {"S": "web-1"}})
    assert "expiresAt" not in stored["Item"]
    index.apply(deleted(web))
    marker = dynamodb.get_item(TableName=name, Key={"hostID": {"S": "host-a"}, "name": {"S": "web-1"}})["Item"]
    assert set(marker) == {"hostID", "name", "seq", "expiresAt"}
    assert int(marker["expiresAt"]["N"]) == CLOCK + MARKER_RETENTION_SECONDS


def test_given_more_markers_than_a_page_can_skip_when_listing_then_the_page_is_short_and_continues(
    dynamodb_index: DynamoDBIndex,
) -> None:
    index = dynamodb_index[0]
    for number in range(PAGE_READS * 2 + 2):
        value = instance(f"app-{number:02d}", hostIDs=["host-a"])
        index.apply(created(value))
        if number > 0:
            index.apply(deleted(value))
    index.apply(created(instance("zz-last", hostIDs=["host-a"])))
    page = index.list("host-a", None, 1, {"hostID": "host-a", "name": "app-00"})
    assert page.items == []
    assert page.last_key is not None, "bounded work per page; the token goes on"
    rest = index.list("host-a", None, 1, page.last_key)
    assert [item["name"] for item in rest.items] == ["zz-last"]
