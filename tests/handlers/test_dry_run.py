"""`?dryRun=true` on POST, PUT and DELETE (moto): every check the real request runs, the answer it
would get with `Dry-Run: true` (errors included), and nothing stored, published or recorded: a
dry run makes no AWS call but reads."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from instance_api.http import idempotency
from instance_api.http.models import CreateInstanceRequest
from tests.handlers.conftest import FUNCTIONS, TEMPLATE, Api, Invoke, intercept_aws
from tests.support import ApiResponse, api_event, assert_envelope

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

DRY: dict[str, str | list[str]] = {"dryRun": "true"}
FUNCTION = {"POST": "CreateInstanceFunction", "PUT": "UpdateInstanceFunction", "DELETE": "DeleteInstanceFunction"}
MESSAGE = {"POST": "create", "PUT": "update", "DELETE": "delete"}
IDEMPOTENCY_TABLE = FUNCTIONS["CreateInstanceFunction"].environment["IDEMPOTENCY_TABLE_NAME"]
# What a dry run may ask of AWS: reads, and the keys it reads tokens and names with.
READS = {"GetItem", "GetSecretValue"}


def send(
    invoke: Invoke,
    method: str,
    body: Any = None,
    *,
    query: dict[str, Any] | None = None,
    namespace: str | None = None,
    key: str | None = None,
) -> ApiResponse:
    headers = {"Idempotency-Key": key} if key else None
    event = api_event(method, body=body, query={**DRY, **(query or {})}, namespace=namespace, headers=headers)
    return invoke(FUNCTION[method], event)


def tables(dynamodb: DynamoDBClient) -> dict[str, list[dict[str, Any]]]:
    """Everything every table holds: the instances, the host index, the idempotency records."""
    return {table.name: dynamodb.scan(TableName=table.name)["Items"] for table in TEMPLATE.tables()}


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every AWS operation the functions call, in order."""
    made: list[str] = []
    intercept_aws(monkeypatch, lambda _service, operation, _params: made.append(operation))
    return made


def only_reads(calls: list[str]) -> None:
    assert set(calls) <= READS, f"a dry run wrote: {sorted(set(calls) - READS)}"


@pytest.fixture
def web(api: Api) -> dict[str, Any]:
    created = api.create({"name": "web-1", "namespace": "team-a", "hostIDs": ["host-a"], "labels": {"app": "web"}})
    assert created.status == 200
    data: dict[str, Any] = created.data
    return data


def same_answer(tried: ApiResponse, real: ApiResponse, *ignored: str) -> None:
    """The dry run answered what the real request then answered (times aside: the clock moved)."""
    assert (tried.status, tried.body["message"]) == (real.status, real.body["message"])
    if tried.status == 200:
        drop = {"createdAt", "updatedAt", *ignored}
        assert {k: v for k, v in tried.data.items() if k not in drop} == {
            k: v for k, v in real.data.items() if k not in drop
        }
    else:
        assert (tried.reason, tried.data["error"], tried.data.get("details")) == (
            real.reason,
            real.data["error"],
            real.data.get("details"),
        )
    assert tried.headers["dry-run"] == "true"
    assert "dry-run" not in real.headers


# -- each write: the dry run's answer, then the real one -----------------------------------------

WRITES = [
    ("POST", {"name": "new-1", "namespace": "team-a", "labels": {"app": "api"}}, None),
    ("POST", {"name": "web-1"}, None),
    ("POST", {"name": "new-2"}, "team-a"),
    ("POST", {"name": "new-3", "namespace": "team-b"}, "team-a"),
    ("PUT", {"name": "web-1", "labels": {"app": "api"}, "version": 1}, None),
    ("PUT", {"name": "web-1", "hostIDs": [], "version": 7}, None),
    ("PUT", {"name": "web-1", "hostIDs": [], "namespace": "team-b"}, None),
    ("PUT", {"name": "web-1", "shareStorage": True}, "team-a"),
    ("PUT", {"name": "web-1", "shareStorage": True}, "team-b"),
    ("PUT", {"name": "ghost", "shareStorage": True}, None),
    ("DELETE", {"name": "web-1", "version": 1}, None),
    ("DELETE", {"name": "web-1", "version": 2}, None),
    ("DELETE", {"name": "web-1"}, "team-b"),
    ("DELETE", {"name": "web-1"}, "team-a"),
    ("DELETE", {"name": "ghost"}, None),
]


@pytest.mark.parametrize(("method", "body", "namespace"), WRITES)
def test_given_a_write_when_tried_then_it_answers_what_the_real_write_then_answers_and_changes_nothing(
    invoke: Invoke,
    dynamodb: DynamoDBClient,
    calls: list[str],
    web: dict[str, Any],
    method: str,
    body: dict[str, Any],
    namespace: str | None,
) -> None:
    before = tables(dynamodb)
    calls.clear()
    tried = send(invoke, method, body, namespace=namespace)
    only_reads(calls)
    assert tables(dynamodb) == before
    real = invoke(FUNCTION[method], api_event(method, body=body, namespace=namespace))
    same_answer(tried, real)


def test_given_a_name_over_a_tombstone_when_tried_then_the_version_continues_it(
    api: Api, invoke: Invoke, web: dict[str, Any]
) -> None:
    api.update({"name": "web-1", "shareStorage": True})
    api.delete({"name": "web-1"})
    tried = send(invoke, "POST", {"name": "web-1"})
    assert (tried.status, tried.data["version"]) == (200, 3)
    same_answer(tried, api.create({"name": "web-1"}))


def test_given_a_create_without_a_name_when_tried_then_a_generated_name_and_nothing_stored(
    api: Api, invoke: Invoke
) -> None:
    tried = send(invoke, "POST", {"namespace": "team-a"})
    assert_envelope(tried, 200, "create succeed")
    assert len(tried.data["name"]) == 20
    assert api.get(tried.data["name"]).status == 404


@pytest.mark.parametrize(
    ("method", "body", "status", "field"),
    [
        ("POST", {"name": "Web_1"}, 400, "name"),
        ("POST", {"labels": {"a/b/c": ""}}, 400, "labels.a/b/c"),
        ("PUT", {"name": "web-1"}, 400, ""),
        ("DELETE", {"name": "web-1", "version": 0}, 400, "version"),
        ("DELETE", None, 400, "name"),
    ],
)
def test_given_an_invalid_write_when_tried_then_the_same_400_with_the_dry_run_header(
    invoke: Invoke, method: str, body: Any, status: int, field: str
) -> None:
    tried = send(invoke, method, body)
    assert_envelope(tried, status, f"{MESSAGE[method]} failed")
    assert tried.fields == [field]
    assert tried.headers["dry-run"] == "true"


def test_given_a_body_too_large_or_not_json_when_tried_then_the_edge_answers_with_the_header(invoke: Invoke) -> None:
    huge = send(invoke, "PUT", '{"name": "' + "a" * 70_000 + '"}')
    assert (huge.status, huge.headers["dry-run"]) == (413, "true")
    event = api_event(
        "POST", body="name=web-1", query=DRY, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    form = invoke("CreateInstanceFunction", event)
    assert (form.status, form.headers["dry-run"]) == (415, "true")


@pytest.mark.parametrize("value", ["TRUE", "True", "1", "yes", "", "true "])
def test_given_a_dry_run_value_other_than_true_or_false_when_writing_then_400_and_nothing_written(
    api: Api, invoke: Invoke, value: str
) -> None:
    response = invoke("CreateInstanceFunction", api_event("POST", body={"name": "web-1"}, query={"dryRun": value}))
    assert_envelope(response, 400, "create failed")
    assert (response.fields, response.data["details"][0]["message"]) == (["dryRun"], "must be true or false")
    assert "dry-run" not in response.headers, "not a dry run: a refused one"
    assert api.get("web-1").status == 404


def test_given_dry_run_twice_when_writing_then_400(api: Api, invoke: Invoke) -> None:
    event = api_event("PUT", body={"name": "web-1", "shareStorage": True}, query={"dryRun": ["true", "true"]})
    response = invoke("UpdateInstanceFunction", event)
    assert (response.status, response.fields) == (400, ["dryRun"])
    assert response.data["details"][0]["message"] == "must be given once"


def test_given_dry_run_false_when_writing_then_it_is_written(api: Api, invoke: Invoke) -> None:
    response = invoke("CreateInstanceFunction", api_event("POST", body={"name": "web-1"}, query={"dryRun": "false"}))
    assert response.status == 200
    assert "dry-run" not in response.headers
    assert api.get("web-1").status == 200


@pytest.mark.parametrize("query", [{"dryRun": "true"}, {"dryRun": "true", "name": "web-1"}])
def test_given_dry_run_on_a_get_when_reading_then_400_unknown_parameter(
    invoke: Invoke, web: dict[str, Any], query: dict[str, str]
) -> None:
    response = invoke("GetInstanceFunction", api_event("GET", query=dict(query)))
    assert_envelope(response, 400, "get failed" if "name" in query else "list failed")
    assert response.data["details"] == [{"field": "dryRun", "message": "is not a known query parameter"}]
    assert "dry-run" not in response.headers


def test_given_a_dry_run_when_answered_then_its_metric_is_a_dry_run_not_a_write(
    invoke: Invoke, capsys: pytest.CaptureFixture[str]
) -> None:
    send(invoke, "POST", {"name": "web-1"})
    assert '"DryRunSucceeded"' in capsys.readouterr().out


# -- with an Idempotency-Key: the key is checked, nothing recorded -------------------------------


def test_given_a_key_not_yet_used_when_tried_then_the_real_create_gets_the_same_name_and_nothing_recorded(
    invoke: Invoke, dynamodb: DynamoDBClient, calls: list[str]
) -> None:
    calls.clear()
    tried = send(invoke, "POST", {"namespace": "team-a"}, key="key-1")
    only_reads(calls)
    assert tables(dynamodb)[IDEMPOTENCY_TABLE] == []
    real = invoke(
        "CreateInstanceFunction", api_event("POST", body={"namespace": "team-a"}, headers={"Idempotency-Key": "key-1"})
    )
    same_answer(tried, real)
    assert tried.data["name"] == real.data["name"], "the name derived from the key"


def test_given_a_key_already_answered_when_tried_with_the_same_body_then_the_first_answer(
    invoke: Invoke, dynamodb: DynamoDBClient, calls: list[str]
) -> None:
    first = invoke(
        "CreateInstanceFunction", api_event("POST", body={"namespace": "team-a"}, headers={"Idempotency-Key": "k"})
    )
    before = tables(dynamodb)
    calls.clear()
    tried = send(invoke, "POST", {"namespace": "team-a"}, key="k")
    only_reads(calls)
    assert tables(dynamodb) == before
    assert (tried.status, tried.data, tried.headers["dry-run"]) == (200, first.data, "true")


def test_given_a_key_answered_for_another_body_when_tried_then_422_as_the_real_retry(
    invoke: Invoke, dynamodb: DynamoDBClient
) -> None:
    invoke("CreateInstanceFunction", api_event("POST", body={"namespace": "team-a"}, headers={"Idempotency-Key": "k"}))
    before = tables(dynamodb)
    tried = send(invoke, "POST", {"namespace": "team-b"}, key="k")
    assert tables(dynamodb) == before
    real = invoke(
        "CreateInstanceFunction", api_event("POST", body={"namespace": "team-b"}, headers={"Idempotency-Key": "k"})
    )
    same_answer(tried, real)
    assert tried.status == 422


def _in_progress(dynamodb: DynamoDBClient, body: dict[str, Any], key: str, remaining_ms: int) -> None:
    """The first request's in-progress record, written the way the utility writes it."""
    layer = DynamoDBPersistenceLayer(table_name=IDEMPOTENCY_TABLE, boto3_client=dynamodb)
    layer.configure(idempotency.config(), key_prefix=idempotency.KEY_PREFIX)
    command = CreateInstanceRequest.model_validate(body).command()
    caller = "unauthenticated"
    layer.save_inprogress(data=idempotency.record(command, key, caller), remaining_time_in_millis=remaining_ms)


def test_given_a_key_still_in_flight_when_tried_then_409_with_retry_after_and_nothing_recorded(
    invoke: Invoke, dynamodb: DynamoDBClient
) -> None:
    _in_progress(dynamodb, {"namespace": "team-a"}, "k", remaining_ms=60_000)
    before = tables(dynamodb)
    tried = send(invoke, "POST", {"namespace": "team-a"}, key="k")
    assert_envelope(tried, 409, "create failed")
    assert (tried.reason, tried.headers["retry-after"], tried.headers["dry-run"]) == ("Conflict", "1", "true")
    assert tables(dynamodb) == before


def test_given_a_key_in_flight_past_its_time_when_tried_then_the_create_s_own_answer(
    invoke: Invoke, dynamodb: DynamoDBClient
) -> None:
    _in_progress(dynamodb, {"namespace": "team-a"}, "k", remaining_ms=1)
    time.sleep(0.01)
    tried = send(invoke, "POST", {"namespace": "team-a"}, key="k")
    real = invoke(
        "CreateInstanceFunction", api_event("POST", body={"namespace": "team-a"}, headers={"Idempotency-Key": "k"})
    )
    same_answer(tried, real)
    assert tried.status == 200, "the real request takes a lapsed in-flight record over"


def test_given_an_expired_record_of_another_body_when_tried_then_no_422(
    invoke: Invoke, dynamodb: DynamoDBClient
) -> None:
    invoke("CreateInstanceFunction", api_event("POST", body={"name": "web-a"}, headers={"Idempotency-Key": "k"}))
    (record,) = tables(dynamodb)[IDEMPOTENCY_TABLE]
    dynamodb.put_item(TableName=IDEMPOTENCY_TABLE, Item={**record, "expiration": {"N": str(int(time.time()) - 1)}})
    tried = send(invoke, "POST", {"name": "web-b"}, key="k")
    real = invoke("CreateInstanceFunction", api_event("POST", body={"name": "web-b"}, headers={"Idempotency-Key": "k"}))
    same_answer(tried, real)
    assert tried.status == 200, "past its hour (before DynamoDB's TTL removes it), a key is free again"


def test_given_an_instance_written_by_this_create_whose_record_was_lost_when_tried_then_that_instance(
    invoke: Invoke, dynamodb: DynamoDBClient
) -> None:
    first = invoke(
        "CreateInstanceFunction", api_event("POST", body={"namespace": "team-a"}, headers={"Idempotency-Key": "k"})
    )
    (record,) = tables(dynamodb)[IDEMPOTENCY_TABLE]
    dynamodb.delete_item(TableName=IDEMPOTENCY_TABLE, Key={"id": record["id"]})
    tried = send(invoke, "POST", {"namespace": "team-a"}, key="k")
    assert (tried.status, tried.data) == (200, first.data)
    assert tables(dynamodb)[IDEMPOTENCY_TABLE] == []
