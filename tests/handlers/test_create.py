"""POST /api/v1/instance."""

from __future__ import annotations

import json
import re

from devtools.events import seed_body
from tests.handlers.conftest import Api, unreported
from tests.support import assert_envelope

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def test_given_the_seed_create_json_when_creating_then_the_whole_stored_instance_comes_back(api: Api) -> None:
    response = api.create(seed_body("create"))
    assert_envelope(response, 200, "create succeed")
    data = response.data
    assert {key: data[key] for key in ("name", "namespace", "spec", "shareStorage", "hostIDs", "version")} == {
        "name": "test",
        "namespace": "test",
        "spec": {"image": ""},
        "shareStorage": True,
        "hostIDs": ["xxx", "xxxx"],
        "version": 1,
    }
    assert TIMESTAMP.fullmatch(data["createdAt"])
    assert data["updatedAt"] == data["createdAt"]
    assert "status" not in data, "only GET ?name= answers the status"
    assert api.get("test").data == unreported(data)


def test_given_no_name_when_creating_then_the_server_generates_one(api: Api) -> None:
    response = api.create({"namespace": "team-a"})
    assert_envelope(response, 200, "create succeed")
    name = response.data["name"]
    assert re.fullmatch(r"[bcdfghjklmnpqrstvwxz][bcdfghjklmnpqrstvwxz2456789]{19}", name)
    assert api.get(name).status == 200


def test_given_only_a_name_when_creating_then_every_other_field_takes_its_default(api: Api) -> None:
    data = api.create({"name": "bare"}).data
    assert (data["namespace"], data["spec"], data["shareStorage"], data["hostIDs"]) == (
        "default",
        {"image": ""},
        False,
        [],
    )


def test_given_an_existing_name_when_creating_again_then_409_and_nothing_is_overwritten(
    api: Api,
) -> None:
    first = api.create({"name": "web-1", "hostIDs": ["a"]}).data
    response = api.create({"name": "web-1", "hostIDs": ["b"]})
    assert_envelope(response, 409, "create failed")
    assert response.reason == "AlreadyExists"
    assert response.data["error"] == "instance 'web-1' already exists"
    assert response.data["requestId"] == "test-request-id"
    assert api.get("web-1").data == unreported(first)


def test_given_an_invalid_field_when_creating_then_400_invalid_names_the_field(api: Api) -> None:
    response = api.create({"name": "web-1", "spec": {"image": "Registry.example.com/Team/Web"}})
    assert_envelope(response, 400, "create failed")
    assert response.reason == "Invalid"
    assert response.fields == ["spec.image"]
    assert api.get("web-1").status == 404


def test_given_server_managed_fields_when_creating_then_the_client_cannot_set_them(api: Api) -> None:
    response = api.create({"name": "web-1", "version": 7, "createdAt": "2000-01-01T00:00:00.000Z"})
    assert response.status == 400
    assert response.fields == ["version", "createdAt"]


def test_given_a_body_that_is_not_json_when_creating_then_400_bad_request(api: Api) -> None:
    response = api.create("name=web-1")
    assert_envelope(response, 400, "create failed")
    assert response.reason == "BadRequest"


def test_given_no_body_when_creating_then_400_bad_request(api: Api) -> None:
    response = api.create(None)
    assert response.status == 400
    assert response.reason == "BadRequest"


def test_given_a_body_over_64_kib_when_creating_then_413(api: Api) -> None:
    response = api.create(json.dumps({"name": "big", "hostIDs": [f"host-{i:05d}-" + "x" * 300 for i in range(250)]}))
    assert_envelope(response, 413, "create failed")
    assert response.reason == "PayloadTooLarge"


def test_given_a_form_content_type_when_creating_then_415(api: Api) -> None:
    response = api.create({"name": "web-1"}, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_envelope(response, 415, "create failed")
    assert response.reason == "UnsupportedMediaType"


def test_given_a_query_string_when_creating_then_400(api: Api) -> None:
    response = api.create({"name": "web-1"}, query={"name": "other"})
    assert response.status == 400
    assert response.fields == ["name"]
