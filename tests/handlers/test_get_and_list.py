"""GET /api/v1/instance: one by ?name=, else a page of the list."""

from __future__ import annotations

import pytest

from tests.handlers.conftest import Api, unreported
from tests.support import assert_envelope


def test_given_an_instance_when_getting_it_by_name_then_200_with_it(api: Api) -> None:
    created = api.create({"name": "web-1", "namespace": "team-a"}).data
    response = api.get("web-1")
    assert_envelope(response, 200, "get succeed")
    assert response.data == unreported(created), "the instance, and its status: no hosts, so Ready"


def test_given_no_such_instance_when_getting_it_then_404(api: Api) -> None:
    response = api.get("ghost")
    assert_envelope(response, 404, "get failed")
    assert response.reason == "NotFound"


@pytest.mark.parametrize("name", ["", "Web", "a_b", "x" * 64])
def test_given_a_malformed_name_when_getting_then_400_and_it_is_a_get_not_a_list(api: Api, name: str) -> None:
    response = api.get(name)
    assert_envelope(response, 400, "get failed")
    assert response.fields == ["name"]


def test_given_no_instances_when_listing_then_an_empty_page_without_token(api: Api) -> None:
    response = api.list()
    assert_envelope(response, 200, "list succeed")
    assert response.data == {"items": [], "nextToken": None}


def test_given_several_namespaces_when_listing_one_then_only_its_instances_sorted_by_name(api: Api) -> None:
    for name, namespace in [("c", "team-a"), ("a", "team-a"), ("b", "team-b"), ("d", "team-a")]:
        api.create({"name": name, "namespace": namespace})
    response = api.list(namespace="team-a")
    assert [item["name"] for item in response.data["items"]] == ["a", "c", "d"]
    assert response.data["nextToken"] is None


def test_given_more_instances_than_the_limit_when_paging_a_namespace_then_every_one_comes_once(api: Api) -> None:
    names = [f"web-{i}" for i in range(7)]
    for name in names:
        api.create({"name": name, "namespace": "team-a"})
    api.create({"name": "other", "namespace": "team-b"})
    seen, token, pages = [], None, 0
    while True:
        query = {"namespace": "team-a", "limit": "3", **({"nextToken": token} if token else {})}
        page = api.list(**query).data
        pages += 1
        assert len(page["items"]) <= 3
        seen += [item["name"] for item in page["items"]]
        token = page["nextToken"]
        if token is None:
            break
    assert seen == sorted(names)
    assert pages == 3


def test_given_instances_in_many_namespaces_when_paging_everything_then_each_comes_exactly_once(api: Api) -> None:
    names = {f"i-{i}" for i in range(9)}
    for index, name in enumerate(sorted(names)):
        api.create({"name": name, "namespace": f"ns-{index % 3}"})
    seen: list[str] = []
    token = None
    while True:
        page = api.list(limit="4", **({"nextToken": token} if token else {})).data
        seen += [item["name"] for item in page["items"]]
        token = page["nextToken"]
        if token is None:
            break
    assert sorted(seen) == sorted(names)
    assert len(seen) == len(names)


def test_given_exactly_limit_instances_when_listing_then_the_page_says_there_is_no_more(api: Api) -> None:
    for name in ("a", "b"):
        api.create({"name": name, "namespace": "team-a"})
    assert api.list(namespace="team-a", limit="2").data["nextToken"] is None


def test_given_a_token_from_one_namespace_when_listing_another_then_400(api: Api) -> None:
    for name in ("a", "b", "c"):
        api.create({"name": name, "namespace": "team-a"})
    token = api.list(namespace="team-a", limit="1").data["nextToken"]
    response = api.list(namespace="team-b", nextToken=token)
    assert_envelope(response, 400, "list failed")
    assert response.reason == "BadRequest"


def test_given_a_forged_token_when_listing_then_400(api: Api) -> None:
    response = api.list(nextToken="v1.eyJzIjpudWxsLCJrIjp7Im5hbWUiOiJ6In19.AAAA")
    assert_envelope(response, 400, "list failed")
    assert response.data["error"] == "nextToken is not valid for this listing; start again without it"


@pytest.mark.parametrize(
    ("query", "field"), [({"limit": "0"}, "limit"), ({"namespace": "A"}, "namespace"), ({"x": "1"}, "x")]
)
def test_given_invalid_list_parameters_when_listing_then_400_names_them(
    api: Api, query: dict[str, str], field: str
) -> None:
    response = api.list(**query)
    assert_envelope(response, 400, "list failed")
    assert response.fields == [field]
