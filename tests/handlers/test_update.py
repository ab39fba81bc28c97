"""PUT /api/v1/instance."""

from __future__ import annotations

from devtools.events import seed_body
from tests.handlers.conftest import Api, unreported
from tests.support import assert_envelope


def test_given_the_seed_update_json_when_updating_then_its_duplicate_host_ids_are_a_400(api: Api) -> None:
    api.create(seed_body("create"))
    response = api.update(seed_body("update"))
    assert_envelope(response, 400, "update failed")
    assert response.reason == "Invalid"
    assert response.body["data"]["details"] == [
        {"field": "hostIDs", "message": "must not contain duplicates: 'xxxx' is at positions 0 and 1"}
    ]
    assert api.get("test").data["version"] == 1


def test_given_an_instance_when_updating_some_fields_then_they_are_replaced_and_the_rest_kept(api: Api) -> None:
    created = api.create(seed_body("create")).data
    response = api.update({"name": "test", "spec": {"image": "xxx"}, "hostIDs": ["xxxx"]})
    assert_envelope(response, 200, "update succeed")
    updated = response.data
    assert updated["spec"] == {"image": "xxx"}
    assert updated["hostIDs"] == ["xxxx"]
    assert (updated["namespace"], updated["shareStorage"]) == ("test", True)
    assert updated["version"] == 2
    assert updated["createdAt"] == created["createdAt"]
    assert updated["updatedAt"] >= created["updatedAt"]
    assert "status" not in updated, "only GET ?name= answers the status"
    assert api.get("test").data == unreported(updated)


def test_given_an_instance_when_updating_share_storage_alone_then_only_it_and_the_version_change(api: Api) -> None:
    created = api.create({"name": "a", "shareStorage": True, "hostIDs": ["h1"]}).data
    updated = api.update({"name": "a", "shareStorage": False}).data
    assert updated["shareStorage"] is False
    assert (updated["hostIDs"], updated["spec"], updated["version"]) == (created["hostIDs"], created["spec"], 2)


def test_given_an_instance_when_updating_spec_then_spec_is_replaced_as_a_whole(api: Api) -> None:
    api.create({"name": "a", "spec": {"image": "nginx:1"}})
    assert api.update({"name": "a", "spec": {}}).data["spec"] == {"image": ""}


def test_given_no_such_instance_when_updating_then_404_not_found(api: Api) -> None:
    response = api.update({"name": "ghost", "shareStorage": True})
    assert_envelope(response, 404, "update failed")
    assert response.reason == "NotFound"
    assert response.data["error"] == "instance 'ghost' not found"
    assert api.get("ghost").status == 404


def test_given_the_current_version_when_updating_then_it_succeeds(api: Api) -> None:
    api.create({"name": "a"})
    assert api.update({"name": "a", "hostIDs": ["h"], "version": 1}).data["version"] == 2


def test_given_a_stale_version_when_updating_then_409_conflict_and_nothing_changes(api: Api) -> None:
    api.create({"name": "a"})
    api.update({"name": "a", "hostIDs": ["h1"]})
    response = api.update({"name": "a", "hostIDs": ["h2"], "version": 1})
    assert_envelope(response, 409, "update failed")
    assert response.reason == "Conflict"
    assert "version 2, not 1" in response.data["error"]
    assert api.get("a").data["hostIDs"] == ["h1"]


def test_given_the_stored_namespace_when_updating_then_repeating_it_is_accepted(api: Api) -> None:
    api.create({"name": "a", "namespace": "team-a"})
    assert api.update({"name": "a", "namespace": "team-a", "shareStorage": True}).status == 200


def test_given_another_namespace_when_updating_then_400_and_the_instance_is_untouched(api: Api) -> None:
    api.create({"name": "a", "namespace": "team-a"})
    response = api.update({"name": "a", "namespace": "team-b", "shareStorage": True})
    assert_envelope(response, 400, "update failed")
    assert response.reason == "Invalid"
    assert response.fields == ["namespace"]
    stored = api.get("a").data
    assert (stored["namespace"], stored["shareStorage"], stored["version"]) == ("team-a", False, 1)


def test_given_an_update_that_sets_nothing_when_updating_then_400(api: Api) -> None:
    api.create({"name": "a"})
    response = api.update({"name": "a", "version": 1})
    assert response.status == 400
    assert response.fields == [""]
    assert response.data["error"] == "an update must set at least one of spec, shareStorage, hostIDs, labels"
