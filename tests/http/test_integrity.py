"""docs/contract.md, "Integrity", over real HTTP: no write lost, misattributed or silently
merged, and no bad input answered with a 5xx. Runs on both DynamoDB engines here, and
SigV4-signed against make run and a deployed stack in tests/e2e."""

from __future__ import annotations

import json
from urllib.parse import quote

from tests.http.contract import PATH, check, race, unique, unreported
from tests.http.local_api import HttpApi, HttpResult

JSON = {"Content-Type": "application/json"}
LIBRARY_PHRASES = ("Input should", "after validation", "List should", "Extra inputs", "Field required")


def test_given_parallel_creates_of_one_name_each_with_its_own_key_when_racing_then_exactly_one_200(
    api: HttpApi,
) -> None:
    name = unique()
    results = race(16, lambda index: api.request("POST", PATH, {"name": name}, {"Idempotency-Key": unique("key")}))
    assert sorted(result.status for result in results) == [200] + [409] * 15
    for result in results:
        if result.status == 409:
            check(result, 409, "create failed", "AlreadyExists")


def test_given_keyed_and_plain_creates_of_one_name_when_racing_then_exactly_one_200(api: HttpApi) -> None:
    name = unique()

    def create(index: int) -> HttpResult:
        headers = {"Idempotency-Key": unique("key")} if index % 2 else None
        return api.request("POST", PATH, {"name": name}, headers)

    results = race(16, create)
    assert sorted(result.status for result in results) == [200] + [409] * 15


def test_given_an_instance_someone_else_created_when_an_idempotent_create_names_it_then_409(api: HttpApi) -> None:
    name = unique()
    body = {"name": name, "namespace": unique("ns"), "hostIDs": ["h1"]}
    check(api.request("POST", PATH, body), 200, "create succeed")
    taken = api.request("POST", PATH, body, {"Idempotency-Key": unique("key")})
    check(taken, 409, "create failed", "AlreadyExists")


def test_given_a_deleted_instance_when_re_created_then_its_version_continues_and_stale_writes_are_409(
    api: HttpApi,
) -> None:
    name = unique("aba")
    check(api.request("POST", PATH, {"name": name}), 200, "create succeed")
    check(api.request("DELETE", PATH, {"name": name, "version": 1}), 200, "delete succeed")
    recreated = api.request("POST", PATH, {"name": name, "spec": {"image": "good:1"}})
    check(recreated, 200, "create succeed")
    assert recreated.body["data"]["version"] == 2
    stale_update = api.request("PUT", PATH, {"name": name, "spec": {"image": "evil:1"}, "version": 1})
    check(stale_update, 409, "update failed", "Conflict")
    check(api.request("DELETE", PATH, {"name": name, "version": 1}), 409, "delete failed", "Conflict")
    assert api.request("GET", f"{PATH}?name={name}").body["data"] == unreported(recreated.body["data"])


def test_given_a_deleted_instance_when_reading_writing_or_listing_it_then_it_is_gone(api: HttpApi) -> None:
    name, namespace = unique(), unique("ns")
    api.request("POST", PATH, {"name": name, "namespace": namespace})
    check(api.request("DELETE", f"{PATH}?name={name}"), 200, "delete succeed")
    check(api.request("GET", f"{PATH}?name={name}"), 404, "get failed", "NotFound")
    check(api.request("PUT", PATH, {"name": name, "shareStorage": True}), 404, "update failed", "NotFound")
    check(api.request("DELETE", f"{PATH}?name={name}"), 404, "delete failed", "NotFound")
    listed = api.request("GET", f"{PATH}?namespace={namespace}")
    assert listed.body["data"] == {"items": [], "nextToken": None}


def test_given_deletes_and_re_creates_racing_versioned_writers_when_done_then_no_version_repeats(
    api: HttpApi,
) -> None:
    name = unique("churn")
    api.request("POST", PATH, {"name": name})
    versions: list[int] = [1]
    for _ in range(3):

        def step(index: int) -> HttpResult:
            if index % 3 == 0:
                return api.request("DELETE", f"{PATH}?name={name}")
            if index % 3 == 1:
                return api.request("POST", PATH, {"name": name})
            return api.request("PUT", PATH, {"name": name, "shareStorage": bool(index % 2), "version": 1})

        for result in race(12, step):
            if result.status == 200 and "version" in result.body["data"]:
                versions.append(result.body["data"]["version"])
    assert len(versions) == len(set(versions)), f"a version was handed out twice: {sorted(versions)}"


def test_given_a_body_that_repeats_a_key_when_creating_then_400_naming_the_key_and_nothing_stored(
    api: HttpApi,
) -> None:
    first, last = unique("dupa"), unique("dupb")
    result = api.request("POST", PATH, f'{{"name":"{first}","name":"{last}"}}', JSON)
    check(result, 400, "create failed", "BadRequest")
    assert "'name'" in result.body["data"]["error"]
    for name in (first, last):
        check(api.request("GET", f"{PATH}?name={name}"), 404, "get failed", "NotFound")


def test_given_a_repeated_key_deep_in_the_body_when_updating_then_400(api: HttpApi) -> None:
    name = unique()
    api.request("POST", PATH, {"name": name})
    body = f'{{"name":"{name}","spec":{{"image":"a:1","image":"b:2"}}}}'
    check(api.request("PUT", PATH, body, JSON), 400, "update failed", "BadRequest")


def test_given_a_limit_of_4400_digits_when_listing_then_400_not_500(api: HttpApi) -> None:
    result = api.request("GET", f"{PATH}?limit={'9' * 4400}")
    check(result, 400, "list failed", "Invalid")
    assert [detail["field"] for detail in result.body["data"]["details"]] == ["limit"]


def test_given_a_5000_digit_version_when_updating_then_400_invalid_with_details(api: HttpApi) -> None:
    body = f'{{"name":"{unique()}","shareStorage":true,"version":{"9" * 5000}}}'
    result = api.request("PUT", PATH, body, JSON)
    check(result, 400, "update failed", "Invalid")
    assert result.body["data"]["details"] == [{"field": "version", "message": "must be at most 9223372036854775807"}]


def test_given_thousands_of_unknown_keys_when_creating_then_20_details_and_a_count(api: HttpApi) -> None:
    body = json.dumps({f"k{index}": 1 for index in range(6500)}, separators=(",", ":"))  # 58 KB
    result = api.request("POST", PATH, body, JSON)
    check(result, 400, "create failed", "Invalid")
    assert len(result.body["data"]["details"]) == 20
    assert result.body["data"]["error"] == "6500 fields are invalid; details lists the first 20 (6480 more not listed)"
    assert len(result.raw) < 4096


def test_given_a_60_kb_key_when_creating_then_it_is_echoed_cut_to_64_characters(api: HttpApi) -> None:
    key = "k" * 60_000
    result = api.request("POST", PATH, json.dumps({key: 1}), JSON)
    check(result, 400, "create failed", "Invalid")
    (detail,) = result.body["data"]["details"]
    assert len(detail["field"]) == 64
    assert key[:63] in result.body["data"]["error"]
    assert len(result.raw) < 1024


def test_given_out_of_range_fields_when_creating_then_the_messages_are_the_apis_own(api: HttpApi) -> None:
    body = {"name": unique(), "hostIDs": [f"h{index}" for index in range(257)]}
    result = api.request("POST", PATH, body)
    check(result, 400, "create failed", "Invalid")
    assert result.body["data"]["details"] == [{"field": "hostIDs", "message": "must have at most 256 entries"}]
    versioned = api.request("PUT", PATH, {"name": unique(), "shareStorage": True, "version": 0})
    assert versioned.body["data"]["details"] == [{"field": "version", "message": "must be at least 1"}]
    for answer in (result, versioned):
        assert not [phrase for phrase in LIBRARY_PHRASES if phrase in answer.raw.decode()]


def test_given_a_charset_other_than_utf_8_when_creating_then_415(api: HttpApi) -> None:
    headers = {"Content-Type": "application/json; charset=iso-8859-1"}
    result = api.request("POST", PATH, json.dumps({"name": unique()}).encode(), headers)
    check(result, 415, "create failed", "UnsupportedMediaType")
    utf8 = api.request(
        "POST", PATH, json.dumps({"name": unique()}), {"Content-Type": "application/json; charset=UTF-8"}
    )
    check(utf8, 200, "create succeed")


def test_given_long_and_non_ascii_query_values_when_getting_then_4xx_never_5xx(api: HttpApi) -> None:
    for key, value in (
        ("name", "é" * 300),
        ("namespace", "ü" * 1500),
        ("nextToken", "x" * 5000),
        ("limit", "٣"),
        ("limit", "1٣"),
        ("näme", "1"),
        ("name", "a" * 70),
        ("name", "\u0000"),
    ):
        query = f"{quote(key)}={quote(value)}"
        result = api.request("GET", f"{PATH}?{query}")
        assert 400 <= result.status < 500, (query[:40], result.raw[:200])
        assert result.body["code"] == result.status


def test_given_nan_or_deep_nesting_when_creating_then_400_bad_request(api: HttpApi) -> None:
    check(api.request("POST", PATH, '{"name": NaN}', JSON), 400, "create failed", "BadRequest")
    deep = '{"spec":' * 20_000 + "{}" + "}" * 20_000
    check(api.request("POST", PATH, deep[: 64 * 1024 - 2] + "}}", JSON), 400, "create failed", "BadRequest")


def test_given_a_body_between_6_and_10_mb_when_creating_then_413_in_the_envelope(api: HttpApi) -> None:
    # API Gateway takes up to 10 MB; Lambda's invoke limit (6 MB, the whole event) refuses it first.
    result = api.request("POST", PATH, b'{"name":"' + b"a" * (7 * 1024 * 1024) + b'"}', JSON)
    check(result, 413, "request failed", "PayloadTooLarge")


def test_given_an_idempotency_key_sent_twice_in_two_cases_when_creating_then_400(api: HttpApi) -> None:
    headers = [("Idempotency-Key", "a-1"), ("idempotency-key", "b-2")]
    result = api.request_with_headers("POST", PATH, json.dumps({"name": unique()}).encode(), [*headers, *JSON.items()])
    check(result, 400, "create failed", "Invalid")
    assert [detail["field"] for detail in result.body["data"]["details"]] == ["Idempotency-Key"]


def test_given_two_content_types_when_creating_then_400_whichever_comes_first(api: HttpApi) -> None:
    body = json.dumps({"name": unique()}).encode()
    for pair in (["text/plain", "application/json"], ["application/json", "text/plain"]):
        result = api.request_with_headers("POST", PATH, body, [("Content-Type", value) for value in pair])
        check(result, 400, "create failed", "BadRequest")
    twice = api.request("POST", PATH, body, {"Content-Type": "application/json; charset=utf-8; charset=latin-1"})
    check(twice, 400, "create failed", "BadRequest")


def test_given_a_get_with_a_body_when_sending_it_then_415_or_400_never_ignored(api: HttpApi) -> None:
    name = unique()
    api.request("POST", PATH, {"name": name})
    check(api.request("GET", f"{PATH}?name={name}", b"garbage", {"Content-Type": "text/plain"}), 415, "get failed")
    check(api.request("GET", f"{PATH}?name={name}", {"name": name}), 400, "get failed", "BadRequest")


def test_given_a_body_over_64_kib_when_sending_any_method_on_either_path_then_413_first(api: HttpApi) -> None:
    name, namespace = unique(), unique("ns")
    api.request("POST", f"/api/v1/namespaces/{namespace}/instance", {"name": name})
    too_large = b'{"name": "' + b"x" * 64 * 1024 + b'"}'
    for path in (PATH, f"/api/v1/namespaces/{namespace}/instance"):
        for method, query, message in (
            ("GET", f"?name={name}", "get"),
            ("GET", "", "list"),
            ("DELETE", f"?name={name}", "delete"),
        ):
            for content_type in ("application/json", "text/plain"):
                result = api.request(method, path + query, too_large, {"Content-Type": content_type})
                check(result, 413, f"{message} failed", "PayloadTooLarge")
        check(api.request("OPTIONS", path, too_large, JSON), 413, "request failed", "PayloadTooLarge")
        head = api.request("HEAD", path, too_large, JSON)
        assert (head.status, head.raw) == (413, b""), "HEAD: the status, and no body"
    assert api.request("GET", f"{PATH}?name={name}").status == 200, "nothing was deleted"


def test_given_a_key_escaping_a_lone_surrogate_when_creating_then_400_bad_request(api: HttpApi) -> None:
    result = api.request("POST", PATH, '{"\\ud800": 1, "name": "BAD"}', JSON)
    check(result, 400, "create failed", "BadRequest")
    value = api.request("POST", PATH, '{"name": "a\\udfff"}', JSON)
    check(value, 400, "create failed", "BadRequest")
