"""From proxy event to model: size, media type, JSON shape, and query-string rules."""

from __future__ import annotations

import base64
import json

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from instance_api.bodies import parse_body, parse_delete
from instance_api.body_size import MAX_BODY_BYTES
from instance_api.domain import DeleteCommand, GetQuery, ListQuery
from instance_api.errors import BadRequest, InvalidRequest, PayloadTooLarge, UnsupportedMediaType
from instance_api.http_query import get_or_list, parse_get, parse_list, reject_query_string
from instance_api.models import CreateInstanceRequest
from tests.support import api_event


def parse_get_or_list(event: APIGatewayProxyEvent) -> GetQuery | ListQuery:
    """What the get function does with a GET: a get when `name` is there, else a list."""
    return parse_get(event) if get_or_list(event) == "get" else parse_list(event)


def event(method: str = "POST", **kwargs: object) -> APIGatewayProxyEvent:
    return APIGatewayProxyEvent(api_event(method, **kwargs))  # type: ignore[arg-type]


def body_of_size(size: int) -> str:
    """A valid create body of exactly `size` bytes (padding is JSON whitespace)."""
    text = json.dumps({"name": "a"})
    return text + " " * (size - len(text))


# -- body ------------------------------------------------------------------------------------


def test_given_a_body_of_exactly_64_kib_when_parsing_then_it_is_accepted() -> None:
    assert parse_body(event(body=body_of_size(MAX_BODY_BYTES)), CreateInstanceRequest).name == "a"


def test_given_a_body_one_byte_over_64_kib_when_parsing_then_it_is_too_large() -> None:
    with pytest.raises(PayloadTooLarge):
        parse_body(event(body=body_of_size(MAX_BODY_BYTES + 1)), CreateInstanceRequest)


def test_given_a_body_over_64_kib_with_a_wrong_media_type_when_parsing_then_size_is_reported_first() -> None:
    with pytest.raises(PayloadTooLarge):
        parse_body(
            event(body="x" * (MAX_BODY_BYTES + 1), headers={"Content-Type": "text/plain"}), CreateInstanceRequest
        )


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/merge-patch+json"],
)
def test_given_a_json_media_type_when_parsing_then_the_body_is_accepted(content_type: str) -> None:
    parsed = parse_body(event(body={"name": "a"}, headers={"Content-Type": content_type}), CreateInstanceRequest)
    assert parsed.name == "a"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/jsonx", ""])
def test_given_another_media_type_when_parsing_then_it_is_unsupported(content_type: str) -> None:
    with pytest.raises(UnsupportedMediaType, match="Content-Type must be application/json"):
        parse_body(event(body={"name": "a"}, headers={"Content-Type": content_type}), CreateInstanceRequest)


def test_given_a_lower_case_content_type_header_when_parsing_then_it_is_found() -> None:
    raw = api_event("POST", body={"name": "a"})
    raw["headers"] = {"content-type": "application/json"}
    assert parse_body(APIGatewayProxyEvent(raw), CreateInstanceRequest).name == "a"


def test_given_a_base64_encoded_body_when_parsing_then_it_is_decoded_first() -> None:
    raw = api_event("POST", body=base64.b64encode(b'{"name": "b64"}').decode())
    raw["isBase64Encoded"] = True
    assert parse_body(APIGatewayProxyEvent(raw), CreateInstanceRequest).name == "b64"


def test_given_a_body_flagged_base64_that_is_not_when_parsing_then_it_is_a_bad_request() -> None:
    raw = api_event("POST", body="{not base64}")
    raw["isBase64Encoded"] = True
    with pytest.raises(BadRequest, match="not valid base64"):
        parse_body(APIGatewayProxyEvent(raw), CreateInstanceRequest)


@pytest.mark.parametrize("body", [None, ""])
def test_given_no_body_when_a_body_is_required_then_it_is_a_bad_request(body: str | None) -> None:
    with pytest.raises(BadRequest, match="must be a JSON object"):
        parse_body(event(body=body), CreateInstanceRequest)


@pytest.mark.parametrize("body", ["[]", '"name"', "1", "null", "true"])
def test_given_json_that_is_not_an_object_when_parsing_then_it_is_a_bad_request(body: str) -> None:
    with pytest.raises(BadRequest, match="must be a JSON object"):
        parse_body(event(body=body), CreateInstanceRequest)


@pytest.mark.parametrize("body", ["{", "{'name': 'a'}", '{"name": "a",}', "\xff"])
def test_given_malformed_json_when_parsing_then_it_is_a_bad_request(body: str) -> None:
    with pytest.raises(BadRequest, match="not valid JSON"):
        parse_body(event(body=body), CreateInstanceRequest)


def test_given_several_invalid_fields_when_parsing_then_each_is_in_details() -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_body(event(body={"name": "A", "hostIDs": ["ok", ""], "x": 1}), CreateInstanceRequest)
    assert [detail["field"] for detail in caught.value.details or []] == ["name", "hostIDs[1]", "x"]
    assert caught.value.message == "3 fields are invalid; see details"


# -- query strings -----------------------------------------------------------------------------


def test_given_name_when_parsing_a_get_then_it_is_a_get() -> None:
    assert parse_get_or_list(event("GET", query={"name": "web-1"})) == GetQuery("web-1")


def test_given_an_empty_name_when_parsing_a_get_then_it_is_malformed_not_a_list() -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_get_or_list(event("GET", query={"name": ""}))
    assert caught.value.details == [{"field": "name", "message": "must be 1-63 characters long"}]


def test_given_no_query_when_parsing_a_get_then_it_lists_everything_100_at_a_time() -> None:
    assert parse_get_or_list(event("GET")) == ListQuery(namespace=None, limit=100, next_token=None)


def test_given_list_parameters_when_parsing_then_they_are_read() -> None:
    query = {"namespace": "team-a", "limit": "500", "nextToken": "t"}
    assert parse_get_or_list(event("GET", query=query)) == ListQuery("team-a", 500, "t")


@pytest.mark.parametrize("limit", ["0", "501", "-1", "ten", "1.5", "", "١٢"])
def test_given_a_limit_outside_1_to_500_when_listing_then_it_is_invalid(limit: str) -> None:
    with pytest.raises(InvalidRequest, match="limit must be an integer from 1 to 500"):
        parse_get_or_list(event("GET", query={"limit": limit}))


def test_given_an_invalid_namespace_when_listing_then_it_is_invalid() -> None:
    with pytest.raises(InvalidRequest, match="namespace"):
        parse_get_or_list(event("GET", query={"namespace": "Team_A"}))


@pytest.mark.parametrize("token", ["", "t" * 2049])
def test_given_a_next_token_of_impossible_length_when_listing_then_it_is_a_bad_request(token: str) -> None:
    with pytest.raises(BadRequest, match="nextToken"):
        parse_get_or_list(event("GET", query={"nextToken": token}))


@pytest.mark.parametrize(
    ("query", "field"),
    [({"nmespace": "a"}, "nmespace"), ({"name": "a", "limit": "5"}, "limit"), ({"namespace": ["a", "b"]}, "namespace")],
)
def test_given_unknown_or_repeated_query_parameters_when_getting_then_they_are_invalid(
    query: dict[str, str | list[str]], field: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_get_or_list(event("GET", query=query))
    assert [detail["field"] for detail in caught.value.details or []] == [field]


def test_given_any_query_string_on_create_or_update_when_parsing_then_it_is_invalid() -> None:
    with pytest.raises(InvalidRequest, match="dryRun is not a known query parameter"):
        reject_query_string(event(query={"dryRun": "true"}))


# -- delete ----------------------------------------------------------------------------------


def test_given_a_name_in_the_body_when_parsing_a_delete_then_it_is_used() -> None:
    assert parse_delete(event("DELETE", body={"name": "a", "version": 2})) == DeleteCommand("a", 2)


def test_given_a_name_in_the_query_when_parsing_a_delete_then_it_is_used() -> None:
    assert parse_delete(event("DELETE", query={"name": "a"})) == DeleteCommand("a", None)


def test_given_the_same_name_in_body_and_query_when_parsing_a_delete_then_it_is_accepted() -> None:
    assert parse_delete(event("DELETE", body={"name": "a"}, query={"name": "a"})) == DeleteCommand("a", None)


def test_given_a_version_in_the_body_and_name_in_the_query_when_parsing_a_delete_then_both_apply() -> None:
    assert parse_delete(event("DELETE", body={"version": 3}, query={"name": "a"})) == DeleteCommand("a", 3)


def test_given_different_names_in_body_and_query_when_parsing_a_delete_then_it_is_invalid() -> None:
    with pytest.raises(InvalidRequest, match="differs"):
        parse_delete(event("DELETE", body={"name": "a"}, query={"name": "b"}))


@pytest.mark.parametrize("body", [None, "{}"])
def test_given_no_name_anywhere_when_parsing_a_delete_then_name_is_required(body: str | None) -> None:
    with pytest.raises(InvalidRequest, match="name is required"):
        parse_delete(event("DELETE", body=body))
