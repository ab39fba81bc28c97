"""Label keys and values: Kubernetes' rules, with its own test vectors (k8s.io/apimachinery,
pkg/api/validate/content/kube_test.go: TestIsLabelKey, TestIsLabelValue), and the request
models' answers for a `labels` map (details naming `labels.<key>`)."""

from __future__ import annotations

from typing import Any

import pytest

from instance_api.domain.errors import DETAILS_MAX, FieldError, Invalid
from instance_api.domain.rules import label_key_problem, label_value_problem
from instance_api.http.models import CreateInstanceRequest, UpdateInstanceRequest
from instance_api.http.writes import validated_by

VALID_KEYS = [
    "simple",
    "now-with-dashes",
    "1-starts-with-num",
    "1234",
    "simple/simple",
    "now-with-dashes/simple",
    "now-with-dashes/now-with-dashes",
    "now.with.dots/simple",
    "now-with.dashes-and.dots/simple",
    "1-num.2-num/3-num",
    "1234/5678",
    "1.2.3.4/5678",
    "Uppercase_Is_OK_123",
    "example.com/Uppercase_Is_OK_123",
    "requests.storage-foo",
    "a" * 63,
    "a" * 253 + "/" + "b" * 63,
]
INVALID_KEYS = [
    "nospecialchars%^=@",
    "cantendwithadash-",
    "-cantstartwithadash-",
    "only/one/slash",
    "Example.com/abc",
    "example_com/abc",
    "example.com/",
    "/simple",
    "a" * 64,
    "a" * 254 + "/abc",
    # and ours: empty, whitespace, non-ASCII, a newline a `$` anchor would let through
    "",
    " app",
    "app ",
    "tièr",
    "app\n",
    "a/b/c/d",
]
VALID_VALUES = ["simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234", "a" * 63, ""]
INVALID_VALUES = [
    "nospecialchars%^=@",
    "Tama-nui-te-rā.is.Māori.sun",
    "\\backslashes\\are\\bad",
    "-starts-with-dash",
    "ends-with-dash-",
    ".starts.with.dot",
    "ends.with.dot.",
    "a" * 64,
    "web\n",
    " ",
]


@pytest.mark.parametrize("key", VALID_KEYS)
def test_given_a_kubernetes_label_key_when_checking_it_then_it_is_a_key(key: str) -> None:
    assert label_key_problem(key) is None


@pytest.mark.parametrize("key", INVALID_KEYS)
def test_given_what_kubernetes_refuses_as_a_key_when_checking_it_then_it_is_refused(key: str) -> None:
    assert label_key_problem(key) is not None


@pytest.mark.parametrize("value", VALID_VALUES)
def test_given_a_kubernetes_label_value_when_checking_it_then_it_is_a_value(value: str) -> None:
    assert label_value_problem(value) is None


@pytest.mark.parametrize("value", INVALID_VALUES)
def test_given_what_kubernetes_refuses_as_a_value_when_checking_it_then_it_is_refused(value: str) -> None:
    assert label_value_problem(value) is not None


def details(body: dict[str, Any], model: type[Any] = CreateInstanceRequest) -> list[FieldError]:
    with pytest.raises(Invalid) as caught:
        validated_by(model)(body)
    return caught.value.details


def test_given_no_labels_when_creating_then_the_instance_has_none() -> None:
    assert validated_by(CreateInstanceRequest)({}).command().desired["labels"] == {}


def test_given_labels_when_creating_or_updating_then_the_command_carries_them_all() -> None:
    labels = {"app": "web", "example.com/tier": "front", "canary": ""}
    assert validated_by(CreateInstanceRequest)({"labels": labels}).command().desired["labels"] == labels
    update = validated_by(UpdateInstanceRequest)({"name": "web-1", "labels": {}}).command()
    assert update.changes == {"labels": {}}, "an empty map replaces the labels: it is a change"


def test_given_a_bad_key_and_a_bad_value_when_creating_then_each_detail_names_its_label() -> None:
    found = details({"labels": {"Bad Key": "ok", "tier": "-front", "a/b/c": ""}})
    assert [detail["field"] for detail in found] == ["labels.Bad Key", "labels.tier", "labels.a/b/c"]
    assert found[0]["message"].startswith("is not a valid label key: it must have a name of 1-63 characters")
    assert found[1]["message"].startswith("is not a valid label value: it must be empty or 1-63 characters")
    assert "one '/'" in found[2]["message"]


@pytest.mark.parametrize("value", [None, 3, True, ["web"], {"nested": "map"}])
def test_given_a_value_that_is_not_a_string_when_creating_then_it_is_named_and_refused(value: Any) -> None:
    assert details({"labels": {"app": value}}) == [{"field": "labels.app", "message": "must be a string"}]


@pytest.mark.parametrize("labels", [None, [], "app=web", 7])
def test_given_labels_that_are_not_a_map_when_creating_then_400(labels: Any) -> None:
    (found,) = details({"labels": labels})
    assert found["field"] == "labels"


def test_given_65_labels_when_creating_then_the_count_is_refused_not_each_label() -> None:
    assert details({"labels": {f"k{number}": "v" for number in range(65)}}) == [
        {"field": "labels", "message": "must have at most 64 entries"}
    ]
    assert validated_by(CreateInstanceRequest)({"labels": {f"k{number}": "v" for number in range(64)}})


def test_given_a_254_character_prefix_when_creating_then_the_echoed_key_is_clipped() -> None:
    (found,) = details({"labels": {"a" * 254 + "/web": "v"}})
    assert len(found["field"]) == 64
    assert found["field"] == "labels." + "a" * 56 + "…"
    assert "prefix" in found["message"]


def test_given_many_bad_labels_when_creating_then_details_are_bounded() -> None:
    with pytest.raises(Invalid) as caught:
        validated_by(CreateInstanceRequest)({"labels": {f"bad_{number}_": "v" for number in range(60)}})
    assert len(caught.value.details) == DETAILS_MAX
    assert "40 more not listed" in caught.value.message


def test_given_null_labels_on_update_when_validating_then_null_is_refused_not_read_as_unchanged() -> None:
    assert details({"name": "web-1", "labels": None}, UpdateInstanceRequest) == [
        {"field": "labels", "message": "must not be null; omit the field instead"}
    ]
