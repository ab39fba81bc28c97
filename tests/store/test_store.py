"""The repository contract: the DynamoDB store on moto and DynamoDB Local, and the in-memory fake."""

from __future__ import annotations

import time

import pytest

from instance_api.domain.commands import Expected
from instance_api.domain.errors import AlreadyExists, Conflict, Invalid, NotFound
from instance_api.domain.instance import Changes, Instance
from instance_api.domain.ports import InstanceRepository

T0 = "2026-11-27T10:00:00.000Z"
T1 = "2026-11-27T11:30:00.000Z"
# A tombstone's TTL (epoch seconds), 30 days from the run: DynamoDB Local honours TTLs and
# removes an expired tombstone within seconds, which would restart the name's versions.
EXPIRES = int(time.time()) + 30 * 86_400


def instance(name: str, namespace: str = "team-a", **overrides: object) -> Instance:
    value: Instance = {
        "name": name,
        "namespace": namespace,
        "spec": {"image": ""},
        "shareStorage": False,
        "hostIDs": [],
        "labels": {},
        "version": 1,
        "createdAt": T0,
        "updatedAt": T0,
    }
    value.update(overrides)  # type: ignore[typeddict-item]
    return value


def test_given_a_new_instance_when_putting_it_then_it_reads_back_identical(store: InstanceRepository) -> None:
    stored = instance("web-1", hostIDs=["b", "a"], shareStorage=True, spec={"image": "nginx:1"})
    assert store.create(stored) == stored
    assert store.get("web-1") == stored


def test_given_an_empty_image_and_no_hosts_when_storing_then_both_survive_the_round_trip(
    store: InstanceRepository,
) -> None:
    store.create(instance("bare"))
    assert store.get("bare")["spec"] == {"image": ""}
    assert store.get("bare")["hostIDs"] == []


def test_given_an_existing_name_when_putting_again_then_already_exists_and_the_first_stays(
    store: InstanceRepository,
) -> None:
    store.create(instance("web-1", hostIDs=["first"]))
    with pytest.raises(AlreadyExists):
        store.create(instance("web-1", hostIDs=["second"]))
    assert store.get("web-1")["hostIDs"] == ["first"]


def test_given_no_item_when_getting_then_not_found(store: InstanceRepository) -> None:
    with pytest.raises(NotFound):
        store.get("ghost")


def test_given_an_item_when_updating_then_one_request_sets_fields_and_increments_the_version(
    store: InstanceRepository,
) -> None:
    store.create(instance("web-1", hostIDs=["a"]))
    updated = store.update("web-1", Changes(spec={"image": "nginx:2"}, shareStorage=True), T1)
    assert updated == instance(
        "web-1", hostIDs=["a"], spec={"image": "nginx:2"}, shareStorage=True, version=2, updatedAt=T1
    )
    assert store.get("web-1") == updated


def test_given_no_item_when_updating_then_not_found_and_nothing_is_created(store: InstanceRepository) -> None:
    with pytest.raises(NotFound):
        store.update("ghost", Changes(hostIDs=["h"]), T1)
    with pytest.raises(NotFound):
        store.get("ghost")


def test_given_a_stale_version_when_updating_then_conflict_and_the_item_is_unchanged(store: InstanceRepository) -> None:
    store.create(instance("web-1"))
    store.update("web-1", Changes(hostIDs=["x"]), T1)
    with pytest.raises(Conflict, match="version 2, not 1"):
        store.update("web-1", Changes(hostIDs=["y"]), T1, Expected(version=1))
    assert store.get("web-1")["hostIDs"] == ["x"]


def test_given_another_namespace_when_updating_then_invalid_and_the_item_is_unchanged(
    store: InstanceRepository,
) -> None:
    store.create(instance("web-1", namespace="team-a"))
    with pytest.raises(Invalid, match="namespace is immutable"):
        store.update("web-1", Changes(shareStorage=True), T1, Expected(namespace="team-b"))
    assert store.get("web-1")["version"] == 1


def test_given_the_matching_namespace_and_version_when_updating_then_it_succeeds(store: InstanceRepository) -> None:
    store.create(instance("web-1", namespace="team-a"))
    updated = store.update("web-1", Changes(shareStorage=True), T1, Expected(version=1, namespace="team-a"))
    assert updated["version"] == 2


def test_given_an_item_when_deleting_then_it_is_gone(store: InstanceRepository) -> None:
    store.create(instance("web-1"))
    store.delete("web-1", T1, EXPIRES, Expected(version=1))
    with pytest.raises(NotFound):
        store.get("web-1")


def test_given_no_item_when_deleting_then_not_found(store: InstanceRepository) -> None:
    with pytest.raises(NotFound):
        store.delete("ghost", T1, EXPIRES)


def test_given_a_stale_version_when_deleting_then_conflict_and_it_stays(store: InstanceRepository) -> None:
    store.create(instance("web-1"))
    store.update("web-1", Changes(shareStorage=True), T1)
    store.update("web-1", Changes(shareStorage=False), T1)
    with pytest.raises(Conflict, match="version 3, not 2"):
        store.delete("web-1", T1, EXPIRES, Expected(version=2))
    assert store.get("web-1")["version"] == 3


def test_given_a_namespace_when_listing_it_then_the_index_returns_its_items_sorted_by_name(
    store: InstanceRepository,
) -> None:
    for name, namespace in [("c", "team-a"), ("a", "team-a"), ("b", "team-b")]:
        store.create(instance(name, namespace))
    page = store.list("team-a", 10, None)
    assert [item["name"] for item in page.items] == ["a", "c"]
    assert page.last_key is None


def test_given_more_items_than_the_limit_when_paging_a_namespace_then_keys_resume_exactly(
    store: InstanceRepository,
) -> None:
    for index in range(5):
        store.create(instance(f"n{index}"))
    first = store.list("team-a", 2, None)
    assert [item["name"] for item in first.items] == ["n0", "n1"]
    assert first.last_key == {"name": "n1", "namespace": "team-a"}
    second = store.list("team-a", 2, first.last_key)
    third = store.list("team-a", 2, second.last_key)
    assert [item["name"] for item in second.items + third.items] == ["n2", "n3", "n4"]
    assert third.last_key is None


def test_given_items_everywhere_when_scanning_page_by_page_then_each_comes_exactly_once(
    store: InstanceRepository,
) -> None:
    names = {f"s{index}" for index in range(7)}
    for index, name in enumerate(sorted(names)):
        store.create(instance(name, f"ns-{index % 3}"))
    seen: list[str] = []
    last: dict[str, str] | None = None
    while True:
        page = store.list(None, 3, last)
        seen += [item["name"] for item in page.items]
        if page.last_key is None:
            break
        last = page.last_key
    assert sorted(seen) == sorted(names)


def test_given_items_larger_than_a_1_mb_page_when_listing_then_pages_resume_and_cover_all(
    store: InstanceRepository,
) -> None:
    # 25 items of ~60 KB: more than DynamoDB's 1 MB page, so a page of "500" is cut short.
    hosts = [f"host-{index:03d}-" + "h" * 240 for index in range(240)]
    names = [f"big-{index:02d}" for index in range(25)]
    for name in names:
        store.create(instance(name, hostIDs=hosts))
    seen: list[str] = []
    last: dict[str, str] | None = None
    while True:
        page = store.list("team-a", 500, last)
        seen += [item["name"] for item in page.items]
        if page.last_key is None:
            break
        last = page.last_key
    assert seen == names


# -- tombstones: versions never repeat for a name (docs/contract.md, "Integrity") -------------


def test_given_a_deleted_instance_when_reading_or_writing_it_then_it_is_absent(store: InstanceRepository) -> None:
    store.create(instance("gone", version=1))
    store.update("gone", Changes(shareStorage=True), T1)
    store.delete("gone", T1, EXPIRES)
    with pytest.raises(NotFound):
        store.get("gone")
    with pytest.raises(NotFound):
        store.update("gone", Changes(shareStorage=False), T1)
    with pytest.raises(NotFound):
        store.update("gone", Changes(shareStorage=False), T1, Expected(version=2))
    with pytest.raises(NotFound):
        store.delete("gone", T1, EXPIRES)


def test_given_a_deleted_name_when_creating_it_again_then_its_version_continues(store: InstanceRepository) -> None:
    store.create(instance("again"))
    store.update("again", Changes(shareStorage=True), T1)
    store.delete("again", T1, EXPIRES, Expected(version=2))
    recreated = store.create(instance("again", namespace="team-b", hostIDs=["h"]))
    assert recreated == instance("again", namespace="team-b", hostIDs=["h"], version=3)
    assert store.get("again") == recreated


def test_given_a_version_read_before_a_delete_when_writing_after_a_re_create_then_conflict(
    store: InstanceRepository,
) -> None:
    store.create(instance("aba"))
    store.delete("aba", T1, EXPIRES)
    store.create(instance("aba", spec={"image": "good:1"}))
    with pytest.raises(Conflict, match="version 2, not 1"):
        store.update("aba", Changes(spec={"image": "evil:1"}), T1, Expected(version=1))
    with pytest.raises(Conflict):
        store.delete("aba", T1, EXPIRES, Expected(version=1))
    assert store.get("aba")["spec"] == {"image": "good:1"}


def test_given_deleted_instances_when_listing_then_no_page_shows_them(store: InstanceRepository) -> None:
    for name in ("a1", "a2", "a3", "a4"):
        store.create(instance(name, "team-t"))
    store.delete("a2", T1, EXPIRES)
    store.delete("a4", T1, EXPIRES)
    assert [item["name"] for item in store.list("team-t", 10, None).items] == ["a1", "a3"]
    seen: list[str] = []
    last: dict[str, str] | None = None
    while True:
        page = store.list(None, 1, last)
        seen += [item["name"] for item in page.items]
        if page.last_key is None:
            break
        last = page.last_key
    assert sorted(seen) == ["a1", "a3"]


def test_given_an_instance_an_idempotent_create_wrote_when_the_same_create_retries_then_it_gets_it_back(
    store: InstanceRepository,
) -> None:
    first = store.create(instance("mine", hostIDs=["h"]), token="token-1")
    assert store.create(instance("mine", hostIDs=["h"]), token="token-1") == first
    with pytest.raises(AlreadyExists):
        store.create(instance("mine", hostIDs=["h"]), token="token-2")
    with pytest.raises(AlreadyExists):
        store.create(instance("mine", hostIDs=["h"]))


def test_given_an_instance_a_plain_create_wrote_when_an_idempotent_create_meets_it_then_already_exists(
    store: InstanceRepository,
) -> None:
    store.create(instance("theirs"))
    with pytest.raises(AlreadyExists):
        store.create(instance("theirs"), token="token-1")


def test_given_an_idempotent_write_deleted_when_the_same_create_retries_then_it_creates_afresh(
    store: InstanceRepository,
) -> None:
    store.create(instance("cycle"), token="token-1")
    store.delete("cycle", T1, EXPIRES)
    assert store.create(instance("cycle"), token="token-1")["version"] == 2
    store.delete("cycle", T1, EXPIRES)
    assert store.create(instance("cycle"))["version"] == 3
    with pytest.raises(AlreadyExists):
        store.create(instance("cycle"), token="token-1")


# -- scopes: a namespaced path sees its namespace only -----------------------------------------


def test_given_an_instance_of_another_namespace_when_addressed_in_a_scope_then_absent_and_untouched(
    store: InstanceRepository,
) -> None:
    store.create(instance("theirs", "team-b", hostIDs=["h"]))
    with pytest.raises(NotFound):
        store.get("theirs", scope="team-a")
    with pytest.raises(NotFound):
        store.update("theirs", Changes(shareStorage=True), T1, Expected(scope="team-a"))
    with pytest.raises(NotFound):
        store.update("theirs", Changes(shareStorage=True), T1, Expected(version=9, scope="team-a"))
    with pytest.raises(NotFound):
        store.delete("theirs", T1, EXPIRES, Expected(scope="team-a"))
    with pytest.raises(NotFound):
        store.delete("theirs", T1, EXPIRES, Expected(version=9, scope="team-a"))
    assert store.get("theirs", scope="team-b") == instance("theirs", "team-b", hostIDs=["h"])


def test_given_an_instance_in_the_scope_when_written_then_as_on_the_seed_path(store: InstanceRepository) -> None:
    store.create(instance("ours", "team-a"))
    assert store.update("ours", Changes(shareStorage=True), T1, Expected(version=1, scope="team-a"))["version"] == 2
    with pytest.raises(Conflict):
        store.delete("ours", T1, EXPIRES, Expected(version=1, scope="team-a"))
    store.delete("ours", T1, EXPIRES, Expected(version=2, scope="team-a"))
    with pytest.raises(NotFound):
        store.get("ours", scope="team-a")


def test_given_another_namespace_in_a_body_when_updating_on_the_seed_path_then_the_sentence_names_none(
    store: InstanceRepository,
) -> None:
    store.create(instance("upd1", "team-secret"))
    with pytest.raises(Invalid) as refused:
        store.update("upd1", Changes(shareStorage=True), T1, Expected(namespace="team-b"))
    assert "team-secret" not in refused.value.message


def test_given_tombstones_among_instances_when_scanning_page_by_page_then_no_page_comes_back_short(
    store: InstanceRepository,
) -> None:
    for index in range(10):
        store.create(instance(f"mix{index}", f"ns-{index % 2}"))
    for index in range(0, 10, 2):
        store.delete(f"mix{index}", T1, EXPIRES)
    pages: list[list[str]] = []
    last: dict[str, str] | None = None
    while True:
        page = store.list(None, 2, last)
        pages.append([item["name"] for item in page.items])
        if page.last_key is None:
            break
        last = page.last_key
    assert sorted(name for names in pages for name in names) == [f"mix{index}" for index in range(1, 10, 2)]
    assert all(len(names) == 2 for names in pages[:-1]), pages
