"""Every rule of docs/contract.md's instance field table, on its accepted and its rejected side."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from instance_api.http.details import field_errors
from instance_api.http.models import CreateInstanceRequest, DeleteInstanceRequest, UpdateInstanceRequest


def parse[M: BaseModel](model: type[M], body: dict[str, Any]) -> M:
    return model.model_validate_json(json.dumps(body))


def rejected(model: type[BaseModel], body: dict[str, Any]) -> dict[str, str]:
    """The details the API would answer with: field -> message."""
    with pytest.raises(ValidationError) as caught:
        parse(model, body)
    return {detail["field"]: detail["message"] for detail in field_errors(caught.value.errors())}


# -- name: DNS-1123 label ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a", "0", "web-1", "a-b-c", "0abc", "x" * 63, "a--b"])
def test_given_a_dns_label_name_when_creating_then_it_is_accepted(name: str) -> None:
    assert parse(CreateInstanceRequest, {"name": name}).name == name


@pytest.mark.parametrize(
    "name",
    ["", "x" * 64, "Web", "-a", "a-", "a_b", "a.b", "a b", "ü", "web-1\n"],
)
def test_given_a_name_that_is_not_a_dns_label_when_creating_then_name_is_rejected(name: str) -> None:
    assert "name" in rejected(CreateInstanceRequest, {"name": name})


@pytest.mark.parametrize("name", [1, True, ["a"], {"a": 1}])
def test_given_a_non_string_name_when_creating_then_it_must_be_a_string(name: Any) -> None:
    assert rejected(CreateInstanceRequest, {"name": name}) == {"name": "must be a string"}


def test_given_no_name_when_creating_then_the_model_leaves_it_for_the_server_to_generate() -> None:
    assert parse(CreateInstanceRequest, {}).name is None


def test_given_a_null_field_when_creating_then_it_is_rejected_rather_than_read_as_absent() -> None:
    assert rejected(CreateInstanceRequest, {"name": None}) == {"name": "must not be null; omit the field instead"}


# -- namespace -------------------------------------------------------------------------------


def test_given_no_namespace_when_creating_then_it_defaults_to_default() -> None:
    assert parse(CreateInstanceRequest, {}).namespace == "default"


@pytest.mark.parametrize("namespace", ["team-a", "a", "n" * 63])
def test_given_a_dns_label_namespace_when_creating_then_it_is_accepted(namespace: str) -> None:
    assert parse(CreateInstanceRequest, {"namespace": namespace}).namespace == namespace


@pytest.mark.parametrize("namespace", ["", "Team", "team_a", "n" * 64, "-x"])
def test_given_an_invalid_namespace_when_creating_then_namespace_is_rejected(namespace: str) -> None:
    assert "namespace" in rejected(CreateInstanceRequest, {"namespace": namespace})


# -- spec.image ------------------------------------------------------------------------------


def test_given_no_spec_when_creating_then_spec_defaults_to_an_unset_image() -> None:
    assert parse(CreateInstanceRequest, {}).spec.image == ""


def test_given_an_empty_spec_object_when_creating_then_image_defaults_to_unset() -> None:
    assert parse(CreateInstanceRequest, {"spec": {}}).spec.image == ""


@pytest.mark.parametrize(
    "image",
    [
        "",
        "xxx",
        "nginx",
        "nginx:1.27",
        "library/nginx:latest",
        "registry.example.com/team/web:1.4.2",
        "localhost:5000/web",
        "registry.example.com:443/a/b/c@sha256:" + "a" * 64,
        "web:1.0@sha512:" + "f" * 128,
    ],
)
def test_given_an_oci_reference_or_empty_image_when_creating_then_it_is_accepted(image: str) -> None:
    assert parse(CreateInstanceRequest, {"spec": {"image": image}}).spec.image == image


@pytest.mark.parametrize(
    "image",
    ["Nginx", "nginx:", ":tag", "web@sha256:abc", "web:-bad", "a//b", "registry.example.com/Team/web", "a" * 513],
)
def test_given_an_invalid_image_reference_when_creating_then_spec_image_is_rejected(image: str) -> None:
    assert "spec.image" in rejected(CreateInstanceRequest, {"spec": {"image": image}})


def test_given_an_unknown_field_inside_spec_when_creating_then_it_is_rejected_with_its_path() -> None:
    assert rejected(CreateInstanceRequest, {"spec": {"image": "", "cpu": 2}}) == {"spec.cpu": "is not a known field"}


def test_given_spec_that_is_not_an_object_when_creating_then_spec_must_be_an_object() -> None:
    assert rejected(CreateInstanceRequest, {"spec": "nginx"}) == {"spec": "must be an object"}


# -- shareStorage: strict boolean -------------------------------------------------------------


@pytest.mark.parametrize("value", [True, False])
def test_given_a_json_boolean_when_creating_then_share_storage_is_accepted(value: bool) -> None:
    assert parse(CreateInstanceRequest, {"shareStorage": value}).shareStorage is value


def test_given_no_share_storage_when_creating_then_it_defaults_to_false() -> None:
    assert parse(CreateInstanceRequest, {}).shareStorage is False


@pytest.mark.parametrize("value", ["true", "false", 1, 0, "yes"])
def test_given_a_boolean_look_alike_when_creating_then_share_storage_is_rejected(value: Any) -> None:
    assert rejected(CreateInstanceRequest, {"shareStorage": value}) == {
        "shareStorage": "must be a boolean (true or false)"
    }


# -- hostIDs ---------------------------------------------------------------------------------


def test_given_no_host_ids_when_creating_then_they_default_to_an_empty_list() -> None:
    assert parse(CreateInstanceRequest, {}).hostIDs == []


def test_given_unique_host_ids_when_creating_then_their_order_is_kept() -> None:
    hosts = ["host-b", "host-a", "10.0.0.1", "node_1.zone:a", "H" * 253]
    assert parse(CreateInstanceRequest, {"hostIDs": hosts}).hostIDs == hosts


def test_given_256_host_ids_when_creating_then_they_are_accepted() -> None:
    assert len(parse(CreateInstanceRequest, {"hostIDs": [f"h{i}" for i in range(256)]}).hostIDs) == 256


def test_given_257_host_ids_when_creating_then_host_ids_is_rejected() -> None:
    assert "hostIDs" in rejected(CreateInstanceRequest, {"hostIDs": [f"h{i}" for i in range(257)]})


def test_given_duplicate_host_ids_when_creating_then_they_are_rejected_not_merged() -> None:
    details = rejected(CreateInstanceRequest, {"hostIDs": ["xxxx", "xxxx"]})
    assert details == {"hostIDs": "must not contain duplicates: 'xxxx' is at positions 0 and 1"}


@pytest.mark.parametrize("host", ["", "-host", ".host", "host/1", "host 1", "h" * 254, "hôst"])
def test_given_an_invalid_host_id_when_creating_then_that_entry_is_rejected_by_index(host: str) -> None:
    assert "hostIDs[1]" in rejected(CreateInstanceRequest, {"hostIDs": ["ok", host]})


@pytest.mark.parametrize("value", ["host-a", [1], [None], {"a": "b"}])
def test_given_host_ids_of_the_wrong_type_when_creating_then_they_are_rejected(value: Any) -> None:
    assert any(field.startswith("hostIDs") for field in rejected(CreateInstanceRequest, {"hostIDs": value}))


# -- server-managed and unknown fields ------------------------------------------------------


@pytest.mark.parametrize("field", ["version", "createdAt", "updatedAt", "podIPs", "Name"])
def test_given_a_server_managed_or_unknown_field_when_creating_then_it_is_rejected(field: str) -> None:
    assert rejected(CreateInstanceRequest, {"name": "a", field: 1}) == {field: "is not a known field"}


@pytest.mark.parametrize("field", ["createdAt", "updatedAt", "extra"])
def test_given_a_server_managed_or_unknown_field_when_updating_then_it_is_rejected(field: str) -> None:
    body = {"name": "a", "shareStorage": True, field: "x"}
    assert rejected(UpdateInstanceRequest, body) == {field: "is not a known field"}


# -- update --------------------------------------------------------------------------------


def test_given_an_update_without_name_when_validating_then_name_is_required() -> None:
    assert rejected(UpdateInstanceRequest, {"shareStorage": True}) == {"name": "is required"}


def test_given_an_update_that_changes_nothing_when_validating_then_it_is_rejected() -> None:
    details = rejected(UpdateInstanceRequest, {"name": "a", "namespace": "team-a", "version": 2})
    assert details == {"": "an update must set at least one of spec, shareStorage, hostIDs, labels"}


def test_given_an_update_with_only_some_fields_when_validating_then_absent_ones_stay_unset() -> None:
    update = parse(UpdateInstanceRequest, {"name": "a", "hostIDs": ["h"]})
    assert (update.spec, update.shareStorage, update.hostIDs, update.version) == (None, None, ["h"], None)


@pytest.mark.parametrize("version", [1, 2, 2**63 - 1])
def test_given_a_positive_integer_version_when_updating_then_it_is_accepted(version: int) -> None:
    assert parse(UpdateInstanceRequest, {"name": "a", "shareStorage": True, "version": version}).version == version


@pytest.mark.parametrize("version", [0, -1, "3", 3.0, True, 2**63])
def test_given_a_version_that_is_not_a_positive_integer_when_updating_then_it_is_rejected(version: Any) -> None:
    assert "version" in rejected(UpdateInstanceRequest, {"name": "a", "shareStorage": True, "version": version})


# -- delete ----------------------------------------------------------------------------------


def test_given_a_delete_body_with_name_and_version_when_validating_then_both_are_read() -> None:
    delete = parse(DeleteInstanceRequest, {"name": "web-1", "version": 4})
    assert (delete.name, delete.version) == ("web-1", 4)


def test_given_a_delete_body_with_an_unknown_field_when_validating_then_it_is_rejected() -> None:
    assert rejected(DeleteInstanceRequest, {"name": "a", "force": True}) == {"force": "is not a known field"}
