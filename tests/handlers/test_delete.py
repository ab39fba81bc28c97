"""DELETE /api/v1/instance."""

from __future__ import annotations

from devtools.events import seed_body
from tests.handlers.conftest import Api
from tests.support import assert_envelope


def test_given_the_seed_delete_json_when_deleting_then_200_with_the_name(api: Api) -> None:
    api.create(seed_body("create"))
    response = api.delete(seed_body("delete"))
    assert_envelope(response, 200, "delete succeed")
    assert response.data == {"name": "test"}
    assert api.get("test").status == 404


def test_given_a_name_in_the_query_when_deleting_then_200(api: Api) -> None:
    api.create({"name": "web-1"})
    response = api.delete(query={"name": "web-1"})
    assert_envelope(response, 200, "delete succeed")
    assert api.get("web-1").status == 404


def test_given_no_such_instance_when_deleting_then_404_instance_not_found(api: Api) -> None:
    response = api.delete({"name": "ghost"})
    assert_envelope(response, 404, "delete failed")
    assert response.reason == "NotFound"
    assert response.data["error"] == "instance 'ghost' not found"


def test_given_the_current_version_when_deleting_then_200(api: Api) -> None:
    api.create({"name": "a"})
    assert api.delete({"name": "a", "version": 1}).status == 200


def test_given_a_stale_version_when_deleting_then_409_conflict_and_it_stays(api: Api) -> None:
    api.create({"name": "a"})
    api.update({"name": "a", "shareStorage": True})
    response = api.delete({"name": "a", "version": 1})
    assert_envelope(response, 409, "delete failed")
    assert response.reason == "Conflict"
    assert api.get("a").status == 200


def test_given_an_empty_body_like_the_seed_template_when_deleting_then_400_name_required(api: Api) -> None:
    response = api.delete("{}")
    assert_envelope(response, 400, "delete failed")
    assert response.fields == ["name"]


def test_given_a_body_with_a_wrong_media_type_when_deleting_then_415(api: Api) -> None:
    response = api.delete('{"name": "a"}', headers={"Content-Type": "text/plain"})
    assert_envelope(response, 415, "delete failed")
