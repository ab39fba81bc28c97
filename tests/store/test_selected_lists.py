"""Selected listings (a label selector) on the instance store and the host index: on moto, DynamoDB
Local and the fakes alike. Only matching instances come back, in pages that go on to the end;
items stored before instances had labels read as `{}`; and a page reads a bounded number of
items however few match (the selected page budget), so a rare label costs short pages, not a
5xx or a loop."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from devtools.local_aws import client
from devtools.tables import create_table
from instance_api.aws.host_index import HostIndex
from instance_api.aws.items import to_item
from instance_api.aws.store import InstanceStore
from instance_api.domain.instance import Instance, Page
from instance_api.domain.ports import HostIndexRepository, InstanceRepository
from instance_api.domain.selectors import REQUIREMENTS_MAX, VALUES_MAX, Requirement, Selector, parse
from tests.store.conftest import BUDGET, INDEX, TEMPLATE
from tests.store.test_host_index import created
from tests.store.test_store import instance
from tests.support import ENGINES

Lister = Callable[[int, dict[str, str] | None], Page]


def selector(text: str) -> Selector:
    parsed = parse(text)
    assert parsed is not None
    return parsed


def every_page(lister: Lister, limit: int = 100) -> Iterator[Page]:
    """Each page of a listing, following its keys to the end (at most 500 pages: never a loop)."""
    start: dict[str, str] | None = None
    for _ in range(500):
        page = lister(limit, start)
        yield page
        if page.last_key is None:
            return
        assert page.last_key != start, "a page moves the listing on"
        start = page.last_key
    pytest.fail("the listing did not end within 500 pages")


def listed(lister: Lister, limit: int = 100) -> list[str]:
    return [item["name"] for page in every_page(lister, limit) for item in page.items]


def of_store(store: InstanceRepository, namespace: str | None, chosen: Selector | str) -> Lister:
    """The store's selected listing (of `namespace`, or all), one page per call."""
    wanted = selector(chosen) if isinstance(chosen, str) else chosen
    return lambda limit, start: store.list(namespace, limit, start, wanted)


def of_host(index: HostIndexRepository, host: str, namespace: str | None, chosen: str) -> Lister:
    """The host index's selected listing of `host`, one page per call."""
    wanted = selector(chosen)
    return lambda limit, start: index.list(host, namespace, limit, start, wanted)


LABELLED = {
    "api-1": {"app": "api", "env": "prod"},
    "api-2": {"app": "api", "env": "staging"},
    "web-1": {"app": "web", "env": "prod", "example.com/tier": "front"},
    "web-2": {"app": "web", "canary": ""},
    "bare-1": {},
}


def fill(store: InstanceRepository, namespace: str = "team-a") -> None:
    for name, labels in LABELLED.items():
        store.create(instance(name, namespace, labels=labels))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("app=web", ["web-1", "web-2"]),
        ("app==api,env=prod", ["api-1"]),
        ("env!=prod", ["api-2", "bare-1", "web-2"]),
        ("canary", ["web-2"]),
        ("!app", ["bare-1"]),
        ("env in (prod,staging)", ["api-1", "api-2", "web-1"]),
        ("env notin (prod,staging)", ["bare-1", "web-2"]),
        ("canary=", ["web-2"]),
        ("example.com/tier=front", ["web-1"]),
        ("app=db", []),
    ],
)
def test_given_labelled_instances_when_listing_with_a_selector_then_only_matches_come_in_name_order(
    store: InstanceRepository, text: str, expected: list[str]
) -> None:
    fill(store)
    store.create(instance("other-ns", "team-b", labels={"app": "web", "env": "prod"}))
    namespaced = listed(of_store(store, "team-a", text))
    assert namespaced == expected
    everywhere = listed(of_store(store, None, text))
    other = ["other-ns"] if selector(text).matches({"app": "web", "env": "prod"}) else []
    assert sorted(everywhere) == sorted(expected + other)


def test_given_a_selector_when_paging_by_one_then_each_match_comes_once(store: InstanceRepository) -> None:
    fill(store)
    assert listed(of_store(store, "team-a", "app"), limit=1) == [
        "api-1",
        "api-2",
        "web-1",
        "web-2",
    ]
    assert sorted(listed(of_store(store, None, "app"), limit=1)) == [
        "api-1",
        "api-2",
        "web-1",
        "web-2",
    ]


def test_given_deleted_and_updated_labels_when_listing_then_the_current_labels_select(
    store: InstanceRepository,
) -> None:
    fill(store)
    store.update("web-2", {"labels": {"app": "db"}}, "2026-11-27T11:00:00.000Z")
    store.delete("web-1", "2026-11-27T11:00:00.000Z", 1_800_000_000)
    assert listed(of_store(store, None, "app=web")) == []
    assert listed(of_store(store, "team-a", "app=db")) == ["web-2"]


def test_given_more_misses_than_a_page_may_read_when_listing_then_short_pages_go_on_to_the_match(
    budgeted_store: InstanceRepository,
) -> None:
    for number in range(3 * BUDGET):
        budgeted_store.create(instance(f"miss-{number:03d}", labels={"app": "web"}))
    budgeted_store.create(instance("zz-match", labels={"app": "rare"}))
    for namespace in ("team-a", None):
        pages = list(every_page(of_store(budgeted_store, namespace, "app=rare")))
        assert len(pages) >= 3, "each page read at most the budget"
        assert [item["name"] for page in pages for item in page.items] == ["zz-match"]
        if namespace is not None:  # sorted by name: the misses come first (a scan's order is the table's)
            assert pages[0].items == [], "a page ends at the budget"
            assert pages[0].last_key is not None, "with a key that goes on"


def test_given_a_selector_matching_everything_when_paging_then_pages_are_full(
    budgeted_store: InstanceRepository,
) -> None:
    for number in range(3 * BUDGET):
        budgeted_store.create(instance(f"web-{number:03d}", labels={"app": "web"}))
    pages = list(every_page(of_store(budgeted_store, "team-a", "app"), limit=7))
    assert [len(page.items) for page in pages] == [7, 7, 7, 7, 2], "a match-everything selector reads as a plain list"


# -- the host index -------------------------------------------------------------------------


def test_given_labelled_instances_on_a_host_when_listing_with_a_selector_then_only_matches_come(
    host_index: HostIndexRepository,
) -> None:
    for name, labels in LABELLED.items():
        host_index.apply(created(instance(name, labels=labels, hostIDs=["host-a"])))
    host_index.apply(created(instance("elsewhere", labels={"app": "web"}, hostIDs=["host-b"])))
    assert listed(of_host(host_index, "host-a", None, "app=web")) == [
        "web-1",
        "web-2",
    ]
    assert listed(of_host(host_index, "host-a", "team-a", "!app")) == ["bare-1"]
    assert listed(of_host(host_index, "host-a", "team-b", "app")) == []


def test_given_more_misses_on_a_host_than_a_page_may_read_when_listing_then_short_pages_go_on(
    budgeted_host_index: HostIndexRepository,
) -> None:
    for number in range(3 * BUDGET):
        budgeted_host_index.apply(created(instance(f"miss-{number:03d}", labels={}, hostIDs=["host-a"])))
    budgeted_host_index.apply(created(instance("zz-match", labels={"app": "rare"}, hostIDs=["host-a"])))
    pages = list(every_page(of_host(budgeted_host_index, "host-a", None, "app=rare")))
    assert pages[0].items == []
    assert len(pages) >= 3
    assert [item["name"] for page in pages for item in page.items] == ["zz-match"]


# -- DynamoDB: items from before labels, and what a page reads ------------------------------


class Reads:
    """A DynamoDB client that counts, per call, the items DynamoDB evaluated (ScannedCount)."""

    def __init__(self, wrapped: Any) -> None:
        self._wrapped = wrapped
        self.scanned: list[int] = []

    def __getattr__(self, operation: str) -> Any:
        method = getattr(self._wrapped, operation)
        if operation not in ("scan", "query"):
            return method

        def counted(**request: Any) -> Any:
            response = method(**request)
            self.scanned.append(response["ScannedCount"])
            return response

        return counted


@pytest.fixture(params=ENGINES)
def dynamodb_tables(request: pytest.FixtureRequest) -> Iterator[tuple[Any, str, str]]:
    """A DynamoDB client, and an instances table and a host index table of the template's."""
    dynamodb = client(request.getfixturevalue(request.param))
    suffix = uuid.uuid4().hex[:12]
    instances = create_table(dynamodb, TEMPLATE.table("InstancesTable"), name=f"instances-{suffix}")
    hosts = create_table(dynamodb, TEMPLATE.table("HostIndexTable"), name=f"hosts-{suffix}")
    yield dynamodb, instances, hosts
    dynamodb.delete_table(TableName=instances)
    dynamodb.delete_table(TableName=hosts)


def without_labels(value: Instance) -> dict[str, Any]:
    """An item as the store wrote it before instances had labels."""
    item = to_item(value)
    del item["labels"]
    return item


def test_given_items_stored_before_labels_when_reading_and_selecting_then_they_have_none(
    dynamodb_tables: tuple[Any, str, str],
) -> None:
    dynamodb, instances, hosts = dynamodb_tables
    old = instance("old-1", hostIDs=["host-a"])
    dynamodb.put_item(TableName=instances, Item=without_labels(old))
    dynamodb.put_item(TableName=hosts, Item={**without_labels(old), "hostID": {"S": "host-a"}, "seq": {"S": "1"}})
    store, index = InstanceStore(dynamodb, instances, INDEX), HostIndex(dynamodb, hosts)
    assert store.get("old-1") == {**old, "labels": {}}
    for text, selects in (("!app", True), ("app!=web", True), ("app notin (web)", True), ("app", False)):
        for namespace in ("team-a", None):
            assert listed(of_store(store, namespace, text)) == (["old-1"] if selects else []), (text, namespace)
        assert listed(of_host(index, "host-a", None, text)) == (["old-1"] if selects else []), text
    updated = store.update("old-1", {"labels": {"app": "web"}}, "2026-11-27T11:00:00.000Z")
    assert updated["labels"] == {"app": "web"}


def test_given_one_match_among_many_when_listing_then_no_page_reads_more_than_its_budget(
    dynamodb_tables: tuple[Any, str, str],
) -> None:
    dynamodb, instances, _ = dynamodb_tables
    for number in range(5 * BUDGET):
        dynamodb.put_item(TableName=instances, Item=to_item(instance(f"miss-{number:03d}", labels={"app": "web"})))
    dynamodb.put_item(TableName=instances, Item=to_item(instance("zz-match", labels={"app": "rare"})))
    reads = Reads(dynamodb)
    store = InstanceStore(reads, instances, INDEX, selected_page_budget=BUDGET)  # type: ignore[arg-type]
    for namespace in ("team-a", None):
        pages = 0
        for page in every_page(of_store(store, namespace, "app=rare")):
            pages += 1
            assert sum(reads.scanned) <= BUDGET, f"page {pages} read {sum(reads.scanned)} items"
            reads.scanned.clear()
            del page
        assert pages >= 5


def test_given_the_longest_key_and_many_values_when_selecting_then_dynamodb_takes_the_filter(
    store: InstanceRepository,
) -> None:
    key = "a" * 253 + "/" + "b" * 63
    store.create(instance("long-1", labels={key: "v" * 63}))
    values = ",".join(f"v{number}" for number in range(98))
    text = f"{key} in ({'v' * 63},x),{key},!missing,other notin ({values})"
    assert listed(of_store(store, "team-a", text)) == ["long-1"]
    assert listed(of_store(store, None, text)) == ["long-1"]


def test_given_the_largest_selector_when_selecting_then_dynamodb_takes_its_filter(store: InstanceRepository) -> None:
    """REQUIREMENTS_MAX `notin` requirements and VALUES_MAX values, the costliest filter a selector
    can make: DynamoDB's limits on one (4 KB, 300 operators, 100 operands to IN) all hold. The
    placeholders' lengths do not depend on the keys, which are as long as a key may be."""
    per_key, extra = divmod(VALUES_MAX, REQUIREMENTS_MAX)
    largest = Selector(
        tuple(
            Requirement(
                f"{'p' * 250}{number:03d}/{'n' * 63}",
                "notin",
                frozenset(f"v{number}-{at}" for at in range(per_key + (extra if number == 0 else 0))),
            )
            for number in range(REQUIREMENTS_MAX)
        )
    )
    assert sum(len(requirement.values) for requirement in largest.requirements) == VALUES_MAX
    store.create(instance("plain-1", labels={largest.requirements[0].key: "other"}))
    store.create(instance("excluded-1", labels={largest.requirements[1].key: "v1-0"}))
    assert listed(of_store(store, "team-a", largest)) == ["plain-1"]
    assert listed(of_store(store, None, largest)) == ["plain-1"]
