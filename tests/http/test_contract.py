"""docs/contract.md over real HTTP: against `make run`'s server on both DynamoDB engines here,
and, signed with SigV4, against `make run` and a deployed stack in tests/e2e."""

from __future__ import annotations

import json

from tests.http.contract import PATH, check, race, unique, unreported
from tests.http.local_api import HttpApi


def test_given_the_api_when_walking_an_instance_through_its_life_then_every_step_answers_200(
    api: HttpApi,
) -> None:
    name, namespace = unique(), unique("ns")
    created = api.request("POST", PATH, {"name": name, "namespace": namespace, "hostIDs": ["h1"]})
    check(created, 200, "create succeed")
    assert created.body["data"]["version"] == 1

    fetched = api.request("GET", f"{PATH}?name={name}")
    check(fetched, 200, "get succeed")
    assert fetched.body["data"] == unreported(created.body["data"])

    updated = api.request("PUT", PATH, {"name": name, "spec": {"image": "nginx:1.27"}, "version": 1})
    check(updated, 200, "update succeed")
    assert (updated.body["data"]["version"], updated.body["data"]["spec"]) == (2, {"image": "nginx:1.27"})

    listed = api.request("GET", f"{PATH}?namespace={namespace}")
    check(listed, 200, "list succeed")
    assert listed.body["data"] == {"items": [updated.body["data"]], "nextToken": None}

    deleted = api.request("DELETE", f"{PATH}?name={name}")
    check(deleted, 200, "delete succeed")
    assert deleted.body["data"] == {"name": name}
    check(api.request("GET", f"{PATH}?name={name}"), 404, "get failed", "NotFound")


def test_given_a_namespace_with_more_than_a_page_when_paging_over_http_then_every_instance_comes_once(
    api: HttpApi,
) -> None:
    namespace = unique("ns")
    names = sorted(unique() for _ in range(5))
    for name in names:
        check(api.request("POST", PATH, {"name": name, "namespace": namespace}), 200, "create succeed")
    seen: list[str] = []
    token = ""
    while True:
        page = api.request("GET", f"{PATH}?namespace={namespace}&limit=2{token}")
        check(page, 200, "list succeed")
        seen += [item["name"] for item in page.body["data"]["items"]]
        if page.body["data"]["nextToken"] is None:
            break
        token = f"&nextToken={page.body['data']['nextToken']}"
    assert seen == names
    check(api.request("GET", f"{PATH}?nextToken=forged"), 400, "list failed", "BadRequest")


def test_given_conflicting_writes_when_sending_them_then_409_already_exists_and_conflict(api: HttpApi) -> None:
    name = unique()
    api.request("POST", PATH, {"name": name})
    check(api.request("POST", PATH, {"name": name}), 409, "create failed", "AlreadyExists")
    api.request("PUT", PATH, {"name": name, "shareStorage": True})
    check(api.request("PUT", PATH, {"name": name, "hostIDs": [], "version": 1}), 409, "update failed", "Conflict")
    check(api.request("DELETE", PATH, {"name": name, "version": 1}), 409, "delete failed", "Conflict")


def test_given_absent_instances_when_addressing_them_then_404(api: HttpApi) -> None:
    name = unique()
    check(api.request("GET", f"{PATH}?name={name}"), 404, "get failed", "NotFound")
    check(api.request("PUT", PATH, {"name": name, "shareStorage": True}), 404, "update failed", "NotFound")
    deleted = api.request("DELETE", PATH, {"name": name})
    check(deleted, 404, "delete failed", "NotFound")
    assert deleted.body["data"]["error"] == f"instance '{name}' not found"


def test_given_bad_requests_when_sending_them_then_400_with_details_for_fields(api: HttpApi) -> None:
    check(api.request("POST", PATH, b"{", {"Content-Type": "application/json"}), 400, "create failed", "BadRequest")
    invalid = api.request("POST", PATH, {"name": "Not_A_Label", "shareStorage": "true"})
    check(invalid, 400, "create failed", "Invalid")
    assert [detail["field"] for detail in invalid.body["data"]["details"]] == ["name", "shareStorage"]
    check(api.request("GET", f"{PATH}?name="), 400, "get failed", "Invalid")


def test_given_a_method_the_api_does_not_route_when_sending_it_then_405_with_allow(api: HttpApi) -> None:
    result = api.request("PATCH", PATH, {"name": "a"})
    check(result, 405, "request failed", "MethodNotAllowed")
    assert result.headers["Allow"] == "DELETE, GET, POST, PUT"


def test_given_an_unknown_path_when_requesting_it_then_404_in_the_envelope(api: HttpApi) -> None:
    check(api.request("GET", "/api/v2/instance"), 404, "request failed", "NotFound")


def test_given_a_body_over_64_kib_when_creating_then_413(api: HttpApi) -> None:
    body = json.dumps({"name": unique(), "hostIDs": ["h" + "x" * 250 + str(i) for i in range(300)]})
    check(api.request("POST", PATH, body, {"Content-Type": "application/json"}), 413, "create failed")


def test_given_a_form_encoded_body_like_curl_d_without_a_header_when_creating_then_415(api: HttpApi) -> None:
    result = api.request("POST", PATH, b'{"name": "a"}', {"Content-Type": "application/x-www-form-urlencoded"})
    check(result, 415, "create failed", "UnsupportedMediaType")


def test_given_16_simultaneous_creates_of_one_name_when_racing_then_exactly_one_200(api: HttpApi) -> None:
    name = unique()
    results = race(16, lambda index: api.request("POST", PATH, {"name": name, "hostIDs": [f"h{index}"]}))
    statuses = sorted(result.status for result in results)
    assert statuses == [200] + [409] * 15
    winner = next(result for result in results if result.status == 200)
    assert api.request("GET", f"{PATH}?name={name}").body["data"] == unreported(winner.body["data"])


def test_given_16_simultaneous_updates_of_one_version_when_racing_then_one_wins_and_is_stored(
    api: HttpApi,
) -> None:
    name = unique()
    api.request("POST", PATH, {"name": name})
    results = race(16, lambda index: api.request("PUT", PATH, {"name": name, "hostIDs": [f"h{index}"], "version": 1}))
    winners = [result for result in results if result.status == 200]
    assert len(winners) == 1
    assert all(result.body["data"]["reason"] == "Conflict" for result in results if result.status != 200)
    assert api.request("GET", f"{PATH}?name={name}").body["data"] == unreported(winners[0].body["data"])


def test_given_64_simultaneous_unversioned_updates_when_racing_then_version_ends_at_65(api: HttpApi) -> None:
    name = unique()
    api.request("POST", PATH, {"name": name})
    results = race(64, lambda index: api.request("PUT", PATH, {"name": name, "hostIDs": [f"h{index}"]}))
    assert [result.status for result in results] == [200] * 64
    assert api.request("GET", f"{PATH}?name={name}").body["data"]["version"] == 65


# -- Idempotency-Key on create ---------------------------------------------------------------


def test_given_a_retried_create_with_its_idempotency_key_when_sending_it_then_the_first_answer_comes_back(
    api: HttpApi,
) -> None:
    namespace, key = unique("ns"), {"Idempotency-Key": unique("key")}
    first = api.request("POST", PATH, {"namespace": namespace, "hostIDs": ["h1"]}, key)
    again = api.request("POST", PATH, {"namespace": namespace, "hostIDs": ["h1"]}, key)
    check(first, 200, "create succeed")
    check(again, 200, "create succeed")
    assert again.body["data"] == first.body["data"]
    other = api.request("POST", PATH, {"namespace": namespace, "hostIDs": ["h2"]}, key)
    check(other, 422, "create failed", "Invalid")
    listed = api.request("GET", f"{PATH}?namespace={namespace}").body["data"]["items"]
    assert listed == [first.body["data"]]


def test_given_a_create_that_got_409_when_its_key_comes_again_then_it_runs_as_a_new_request(api: HttpApi) -> None:
    taken, namespace = unique(), unique("ns")
    check(api.request("POST", PATH, {"name": taken}), 200, "create succeed")
    key = {"Idempotency-Key": unique("key")}
    for _ in range(2):
        check(
            api.request("POST", PATH, {"name": taken, "namespace": namespace}, key),
            409,
            "create failed",
            "AlreadyExists",
        )
    check(api.request("DELETE", f"{PATH}?name={taken}"), 200, "delete succeed")
    freed = api.request("POST", PATH, {"name": taken, "namespace": namespace}, key)
    check(freed, 200, "create succeed")
    assert freed.body["data"]["namespace"] == namespace
    other_key = {"Idempotency-Key": unique("key")}
    check(api.request("POST", PATH, {"name": taken}, other_key), 409, "create failed", "AlreadyExists")
    check(api.request("POST", PATH, {"name": unique(), "namespace": namespace}, other_key), 200, "create succeed")


def test_given_a_create_refused_400_when_its_key_comes_with_a_valid_body_then_200_and_the_key_is_bound(
    api: HttpApi,
) -> None:
    key, name = {"Idempotency-Key": unique("key")}, unique()
    check(api.request("POST", PATH, {"name": "Not_A_Label"}, key), 400, "create failed", "Invalid")
    created = api.request("POST", PATH, {"name": name}, key)
    check(created, 200, "create succeed")
    assert api.request("POST", PATH, {"name": name}, key).body["data"] == created.body["data"]
    check(api.request("POST", PATH, {"name": unique()}, key), 422, "create failed", "Invalid")


def test_given_an_overlong_idempotency_key_when_creating_then_400(api: HttpApi) -> None:
    # (An empty header value cannot be told apart from none by every HTTP stack: the handler tier covers it.)
    result = api.request("POST", PATH, {"name": unique()}, {"Idempotency-Key": "k" * 256})
    check(result, 400, "create failed", "Invalid")


def test_given_16_simultaneous_retries_of_one_create_when_racing_then_one_instance_and_no_other_answer(
    api: HttpApi,
) -> None:
    namespace, key = unique("ns"), {"Idempotency-Key": unique("key")}
    results = race(16, lambda _: api.request("POST", PATH, {"namespace": namespace}, key))
    created = [result.body["data"] for result in results if result.status == 200]
    in_flight = [result for result in results if result.status != 200]
    assert created
    assert all(data == created[0] for data in created), "every 200 is the first answer"
    for result in in_flight:
        check(result, 409, "create failed", "Conflict")
        assert result.headers["Retry-After"] == "1"
    listed = api.request("GET", f"{PATH}?namespace={namespace}").body["data"]["items"]
    assert listed == [created[0]]
