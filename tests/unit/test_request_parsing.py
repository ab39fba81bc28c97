"""From proxy event to command, in the resolver's fixed order: size, media type, JSON, fields, command."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from devtools.lambda_runtime import LambdaContext
from instance_api.domain.commands import CreateCommand, DeleteCommand, Expected, GetQuery, ListQuery
from instance_api.domain.errors import Invalid, Malformed
from instance_api.http.body import MAX_BODY_BYTES
from instance_api.http.deletes import DELETE, read_body
from instance_api.http.details import field_errors
from instance_api.http.errors import PayloadTooLarge, UnsupportedMediaType
from instance_api.http.models import DeleteInstanceRequest
from instance_api.http.query import dry_run_asked
from instance_api.http.reads import get_or_list
from instance_api.http.request import Operation, decode
from instance_api.http.writes import CREATE, UPDATE
from tests.support import api_event


def event(method: str = "POST", **kwargs: object) -> APIGatewayProxyEvent:
    return APIGatewayProxyEvent(api_event(method, **kwargs))  # type: ignore[arg-type]


def command(operation: Operation[Any], request: APIGatewayProxyEvent) -> Any:
    return decode(operation, request, LambdaContext()).command  # type: ignore[arg-type]


def parse_body(request: APIGatewayProxyEvent) -> CreateCommand:
    created: CreateCommand = command(CREATE, request)
    return created


def parse_get_or_list(request: APIGatewayProxyEvent) -> GetQuery | ListQuery:
    """What the get function does with a GET: a get when `name` is there, else a list."""
    read: GetQuery | ListQuery = command(get_or_list(request), request)
    return read


def parse_delete(request: APIGatewayProxyEvent) -> DeleteCommand:
    deleted: DeleteCommand = command(DELETE, request)
    return deleted


def body_of_size(size: int) -> str:
    """A valid create body of exactly `size` bytes (padding is JSON whitespace)."""
    text = json.dumps({"name": "a"})
    return text + " " * (size - len(text))


# -- body ------------------------------------------------------------------------------------


def test_given_a_body_of_exactly_64_kib_when_parsing_then_it_is_accepted() -> None:
    assert parse_body(event(body=body_of_size(MAX_BODY_BYTES))).name == "a"


def test_given_a_body_one_byte_over_64_kib_when_parsing_then_it_is_too_large() -> None:
    with pytest.raises(PayloadTooLarge):
        parse_body(event(body=body_of_size(MAX_BODY_BYTES + 1)))


def test_given_a_body_over_64_kib_with_a_wrong_media_type_when_parsing_then_size_is_reported_first() -> None:
    with pytest.raises(PayloadTooLarge):
        parse_body(event(body="x" * (MAX_BODY_BYTES + 1), headers={"Content-Type": "text/plain"}))


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/merge-patch+json"],
)
def test_given_a_json_media_type_when_parsing_then_the_body_is_accepted(content_type: str) -> None:
    parsed = parse_body(event(body={"name": "a"}, headers={"Content-Type": content_type}))
    assert parsed.name == "a"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/jsonx", ""])
def test_given_another_media_type_when_parsing_then_it_is_unsupported(content_type: str) -> None:
    with pytest.raises(UnsupportedMediaType, match="Content-Type must be application/json"):
        parse_body(event(body={"name": "a"}, headers={"Content-Type": content_type}))


def test_given_a_lower_case_content_type_header_when_parsing_then_it_is_found() -> None:
    raw = api_event("POST", body={"name": "a"})
    raw["headers"] = {"content-type": "application/json"}
    assert parse_body(APIGatewayProxyEvent(raw)).name == "a"


def test_given_a_base64_encoded_body_when_parsing_then_it_is_decoded_first() -> None:
    raw = api_event("POST", body=base64.b64encode(b'{"name": "b64"}').decode())
    raw["isBase64Encoded"] = True
    assert parse_body(APIGatewayProxyEvent(raw)).name == "b64"


def test_given_a_body_flagged_base64_that_is_not_when_parsing_then_it_is_a_bad_request() -> None:
    raw = api_event("POST", body="{not base64}")
    raw["isBase64Encoded"] = True
    with pytest.raises(Malformed, match="not valid base64"):
        parse_body(APIGatewayProxyEvent(raw))


@pytest.mark.parametrize("body", [None, ""])
def test_given_no_body_when_a_body_is_required_then_it_is_a_bad_request(body: str | None) -> None:
    with pytest.raises(Malformed, match="must be a JSON object"):
        parse_body(event(body=body))


@pytest.mark.parametrize("body", ["[]", '"name"', "1", "null", "true"])
def test_given_json_that_is_not_an_object_when_parsing_then_it_is_a_bad_request(body: str) -> None:
    with pytest.raises(Malformed, match="must be a JSON object"):
        parse_body(event(body=body))


@pytest.mark.parametrize("body", ["{", "{'name': 'a'}", '{"name": "a",}', "\xff"])
def test_given_malformed_json_when_parsing_then_it_is_a_bad_request(body: str) -> None:
    with pytest.raises(Malformed, match="not valid JSON"):
        parse_body(event(body=body))


def test_given_several_invalid_fields_when_parsing_then_each_is_in_details() -> None:
    with pytest.raises(Invalid) as caught:
        parse_body(event(body={"name": "A", "hostIDs": ["ok", ""], "x": 1}))
    assert [detail["field"] for detail in caught.value.details or []] == ["name", "hostIDs[1]", "x"]
    assert caught.value.message == "3 fields are invalid; see details"


# -- query strings -----------------------------------------------------------------------------


def test_given_name_when_parsing_a_get_then_it_is_a_get() -> None:
    assert parse_get_or_list(event("GET", query={"name": "web-1"})) == GetQuery("web-1")


def test_given_an_empty_name_when_parsing_a_get_then_it_is_malformed_not_a_list() -> None:
    with pytest.raises(Invalid) as caught:
        parse_get_or_list(event("GET", query={"name": ""}))
    assert caught.value.details == [{"field": "name", "message": "must be 1-63 characters long"}]


def test_given_no_query_when_parsing_a_get_then_it_lists_everything_100_at_a_time() -> None:
    assert parse_get_or_list(event("GET")) == ListQuery(namespace=None, limit=100, next_token=None)


def test_given_list_parameters_when_parsing_then_they_are_read() -> None:
    query = {"namespace": "team-a", "limit": "500", "nextToken": "t"}
    assert parse_get_or_list(event("GET", query=query)) == ListQuery("team-a", 500, "t")


@pytest.mark.parametrize("limit", ["0", "501", "-1", "ten", "1.5", "", "١٢"])
def test_given_a_limit_outside_1_to_500_when_listing_then_it_is_invalid(limit: str) -> None:
    with pytest.raises(Invalid, match="limit must be an integer from 1 to 500"):
        parse_get_or_list(event("GET", query={"limit": limit}))


def test_given_an_invalid_namespace_when_listing_then_it_is_invalid() -> None:
    with pytest.raises(Invalid, match="namespace"):
        parse_get_or_list(event("GET", query={"namespace": "Team_A"}))


@pytest.mark.parametrize("token", ["", "t" * 2049])
def test_given_a_next_token_of_impossible_length_when_listing_then_it_is_a_bad_request(token: str) -> None:
    with pytest.raises(Malformed, match="nextToken"):
        parse_get_or_list(event("GET", query={"nextToken": token}))


@pytest.mark.parametrize(
    ("query", "field"),
    [({"nmespace": "a"}, "nmespace"), ({"name": "a", "limit": "5"}, "limit"), ({"namespace": ["a", "b"]}, "namespace")],
)
def test_given_unknown_or_repeated_query_parameters_when_getting_then_they_are_invalid(
    query: dict[str, str | list[str]], field: str
) -> None:
    with pytest.raises(Invalid) as caught:
        parse_get_or_list(event("GET", query=query))
    assert [detail["field"] for detail in caught.value.details or []] == [field]


@pytest.mark.parametrize("operation", [CREATE, UPDATE])
def test_given_a_query_parameter_but_dry_run_on_create_or_update_when_parsing_then_it_is_invalid(
    operation: Operation[Any],
) -> None:
    with pytest.raises(Invalid, match="name is not a known query parameter"):
        command(operation, event(body={"name": "a", "shareStorage": True}, query={"name": "a", "dryRun": "true"}))


# -- delete ----------------------------------------------------------------------------------


def test_given_a_name_in_the_body_when_parsing_a_delete_then_it_is_used() -> None:
    assert parse_delete(event("DELETE", body={"name": "a", "version": 2})) == DeleteCommand("a", Expected(version=2))


def test_given_a_name_in_the_query_when_parsing_a_delete_then_it_is_used() -> None:
    assert parse_delete(event("DELETE", query={"name": "a"})) == DeleteCommand("a")


def test_given_the_same_name_in_body_and_query_when_parsing_a_delete_then_it_is_accepted() -> None:
    assert parse_delete(event("DELETE", body={"name": "a"}, query={"name": "a"})) == DeleteCommand("a")


def test_given_a_version_in_the_body_and_name_in_the_query_when_parsing_a_delete_then_both_apply() -> None:
    assert parse_delete(event("DELETE", body={"version": 3}, query={"name": "a"})) == DeleteCommand(
        "a", Expected(version=3)
    )


def test_given_different_names_in_body_and_query_when_parsing_a_delete_then_it_is_invalid() -> None:
    with pytest.raises(Invalid, match="differs"):
        parse_delete(event("DELETE", body={"name": "a"}, query={"name": "b"}))


@pytest.mark.parametrize("body", [None, "{}"])
def test_given_no_name_anywhere_when_parsing_a_delete_then_name_is_required(body: str | None) -> None:
    with pytest.raises(Invalid, match="name is required"):
        parse_delete(event("DELETE", body=body))


# -- the fixed order ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
def test_given_any_method_with_a_body_over_64_kib_when_reading_then_size_is_refused_before_anything_else(
    method: str,
) -> None:
    operation = {"GET": get_or_list(event("GET")), "POST": CREATE, "PUT": UPDATE, "DELETE": DELETE}[method]
    request = event(method, body="x" * (MAX_BODY_BYTES + 1), headers={"Content-Type": "text/plain"}, query={"z": "1"})
    with pytest.raises(PayloadTooLarge):
        command(operation, request)


def test_given_a_get_with_a_json_body_when_reading_then_it_is_a_bad_request() -> None:
    with pytest.raises(Malformed, match="a GET takes no request body"):
        parse_get_or_list(event("GET", body={"name": "a"}))


def test_given_a_get_with_a_body_that_is_not_json_when_reading_then_its_media_type_is_refused_first() -> None:
    with pytest.raises(UnsupportedMediaType):
        parse_get_or_list(event("GET", body="name=a", headers={"Content-Type": "text/plain"}))


def test_given_a_bad_query_and_a_body_that_is_not_json_when_creating_then_the_media_type_is_refused_first() -> None:
    with pytest.raises(UnsupportedMediaType):
        parse_body(event(body="name=a", headers={"Content-Type": "text/plain"}, query={"z": "1"}))


def test_given_a_bad_query_and_bad_fields_when_creating_then_the_query_is_refused_first() -> None:
    with pytest.raises(Invalid) as caught:
        parse_body(event(body={"name": "A"}, query={"z": "1"}))
    assert caught.value.details == [{"field": "z", "message": "is not a known query parameter"}]


# -- the delete body, read without pydantic, answers as the model the document shows ------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats() | st.text(max_size=70),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=5,
)
DELETE_BODIES = st.dictionaries(
    st.sampled_from(["name", "version", "extra", "Name", ""]) | st.text(max_size=8),
    st.sampled_from(["web-1", "Web-1", "", "a" * 64, 0, 1, 2**63 - 1, 2**63, True, "3"]) | JSON_VALUES,
    max_size=4,
)


def _model_answer(document: dict[str, Any]) -> Any:
    try:
        model = DeleteInstanceRequest.model_validate(document)
    except ValidationError as error:
        return field_errors(error.errors(include_url=False, include_input=False))
    return (model.name, model.version)


def _reader_answer(document: dict[str, Any]) -> Any:
    try:
        body = read_body(document)
    except Invalid as error:
        return error.details
    return (body.name, body.version)


@given(DELETE_BODIES)
def test_given_any_delete_body_when_read_by_hand_then_the_answer_is_the_models(document: dict[str, Any]) -> None:
    assert _reader_answer(document) == _model_answer(document)


# -- labelSelector and dryRun ----------------------------------------------------------------


@pytest.mark.parametrize("namespace", [None, "team-a"])
def test_given_a_label_selector_when_listing_on_either_path_then_the_query_carries_it(namespace: str | None) -> None:
    query = parse_get_or_list(event("GET", query={"labelSelector": "app=web, !legacy"}, namespace=namespace))
    assert isinstance(query, ListQuery)
    assert query.selector is not None
    assert query.selector.canonical() == "!legacy,app in (web)"
    blank = parse_get_or_list(event("GET", query={"labelSelector": "  "}, namespace=namespace))
    assert isinstance(blank, ListQuery)
    assert blank.selector is None


@pytest.mark.parametrize(("operation", "method"), [(CREATE, "POST"), (UPDATE, "PUT"), (DELETE, "DELETE")])
@pytest.mark.parametrize(("value", "tried"), [("true", True), ("false", False)])
def test_given_dry_run_true_or_false_when_writing_then_the_command_says_so(
    operation: Operation[Any], method: str, value: str, tried: bool
) -> None:
    body = {"name": "a", "shareStorage": True} if method != "DELETE" else {"name": "a"}
    assert command(operation, event(method, body=body, query={"dryRun": value})).dry_run is tried
    assert command(operation, event(method, body=body)).dry_run is False


def test_given_a_bad_dry_run_and_a_bad_body_when_writing_then_the_query_is_refused_first() -> None:
    with pytest.raises(Invalid) as caught:
        command(CREATE, event(body={"name": "Bad_Name"}, query={"dryRun": "yes"}))
    assert caught.value.details == [{"field": "dryRun", "message": "must be true or false"}]


@pytest.mark.parametrize(
    ("query", "asked"),
    [
        ({"dryRun": "true"}, True),
        ({"dryRun": "true", "other": "x"}, True),
        ({"dryRun": ["true", "true"]}, False),
        ({"dryRun": "TRUE"}, False),
        ({"dryRun": "false"}, False),
        (None, False),
    ],
)
def test_given_a_query_when_asking_whether_it_is_a_dry_run_then_only_one_true_is(
    query: dict[str, Any] | None, asked: bool
) -> None:
    assert dry_run_asked(event(query=query)) is asked
