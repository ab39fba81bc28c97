"""POST with an Idempotency-Key: retries get the first answer, never a second instance."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from botocore.exceptions import ClientError

from instance_api.http import idempotency
from instance_api.http.models import CreateInstanceRequest
from tests.handlers.conftest import FUNCTIONS, Api, Invoke, intercept_aws

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
from tests.support import ApiResponse, api_event, assert_envelope

ALICE = "arn:aws:iam::111122223333:user/alice"
BOB = "arn:aws:iam::111122223333:user/bob"


def create(
    invoke: Invoke, body: dict[str, Any], key: str, caller: str = ALICE, remaining_ms: int = 10_000
) -> ApiResponse:
    event = api_event("POST", body=body, headers={"Idempotency-Key": key}, user_arn=caller)
    return invoke("CreateInstanceFunction", event, remaining_ms=remaining_ms)


def instances(api: Api, namespace: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.list(namespace=namespace).data["items"]
    return items


def fail_once(monkeypatch: pytest.MonkeyPatch, operation: str, table: str, code: str = "ThrottlingException") -> None:
    """The next `operation` on `table` fails with `code` (after the SDK's retries)."""
    remaining = [1]

    def failing(service: str, operation_name: str, params: dict[str, Any]) -> None:
        if operation_name == operation and params.get("TableName") == table and remaining[0]:
            remaining[0] -= 1
            raise ClientError({"Error": {"Code": code, "Message": "injected"}}, operation_name)

    intercept_aws(monkeypatch, failing)


def test_given_a_retry_with_the_same_key_and_body_when_creating_then_the_first_answer_comes_back(
    invoke: Invoke, api: Api
) -> None:
    first = create(invoke, {"namespace": "team-a", "hostIDs": ["h1"]}, "key-1")
    again = create(invoke, {"namespace": "team-a", "hostIDs": ["h1"]}, "key-1")
    assert_envelope(first, 200, "create succeed")
    assert_envelope(again, 200, "create succeed")
    assert again.data == first.data
    assert list(again.data) == list(first.data), "a replay answers in the same field order"
    assert [item["name"] for item in instances(api, "team-a")] == [first.data["name"]]


def test_given_a_named_create_retried_with_its_key_when_creating_then_it_is_not_a_409(invoke: Invoke) -> None:
    assert create(invoke, {"name": "web-1"}, "key-1").status == 200
    assert create(invoke, {"name": "web-1"}, "key-1").status == 200


def test_given_the_same_key_with_another_body_when_creating_then_422_invalid_and_nothing_new(
    invoke: Invoke, api: Api
) -> None:
    first = create(invoke, {"namespace": "team-a"}, "key-1")
    other = create(invoke, {"namespace": "team-a", "shareStorage": True}, "key-1")
    assert_envelope(other, 422, "create failed")
    assert other.reason == "Invalid"
    assert "different request body" in other.data["error"]
    assert [item["name"] for item in instances(api, "team-a")] == [first.data["name"]]


# -- a first attempt that ended in a 4xx: the key is free again (decision in docs/decisions.md) --


def test_given_a_first_attempt_that_got_409_when_retrying_with_its_key_then_it_runs_again_and_may_now_succeed(
    invoke: Invoke, api: Api
) -> None:
    api.create({"name": "taken", "namespace": "team-b"})
    first = create(invoke, {"name": "taken", "namespace": "team-a"}, "key-1")
    assert (first.status, first.reason) == (409, "AlreadyExists")
    again = create(invoke, {"name": "taken", "namespace": "team-a"}, "key-1")
    assert (again.status, again.reason) == (409, "AlreadyExists")
    assert api.delete({"name": "taken"}).status == 200
    freed = create(invoke, {"name": "taken", "namespace": "team-a"}, "key-1")
    assert_envelope(freed, 200, "create succeed")
    assert freed.data["namespace"] == "team-a", "run as a new request, not the 409 replayed"


def test_given_a_first_attempt_that_got_409_when_the_key_comes_with_another_body_then_200_not_422(
    invoke: Invoke, api: Api
) -> None:
    api.create({"name": "taken"})
    assert create(invoke, {"name": "taken"}, "key-1").status == 409
    other = create(invoke, {"name": "free", "hostIDs": ["h1"]}, "key-1")
    assert_envelope(other, 200, "create succeed")
    assert (other.data["name"], other.data["hostIDs"]) == ("free", ["h1"])


def test_given_a_first_attempt_that_got_400_when_the_key_comes_with_a_valid_body_then_200_and_the_key_is_bound(
    invoke: Invoke, api: Api
) -> None:
    refused = create(invoke, {"name": "Not_A_Label"}, "key-1")
    assert (refused.status, refused.reason) == (400, "Invalid")
    created = create(invoke, {"name": "web-1"}, "key-1")
    assert_envelope(created, 200, "create succeed")
    assert create(invoke, {"name": "web-1"}, "key-1").data == created.data, "a 2xx is replayed"
    assert create(invoke, {"name": "web-2"}, "key-1").status == 422, "and binds the key to its body"
    assert [item["name"] for item in instances(api, "default")] == ["web-1"]


def test_given_a_first_request_still_in_flight_when_retrying_then_409_conflict_with_retry_after(
    invoke: Invoke, dynamodb: DynamoDBClient
) -> None:
    body = {"namespace": "team-a"}
    # The first request's in-progress record, written the way the utility writes it.
    create(invoke, {"name": "warm-up"}, "other-key")
    table = FUNCTIONS["CreateInstanceFunction"].environment["IDEMPOTENCY_TABLE_NAME"]
    layer = DynamoDBPersistenceLayer(table_name=table, boto3_client=dynamodb)
    layer.configure(idempotency.config(), key_prefix=idempotency.KEY_PREFIX)
    command = CreateInstanceRequest.model_validate(body).command()
    layer.save_inprogress(data=idempotency.record(command, "key-1", ALICE), remaining_time_in_millis=60_000)
    response = create(invoke, body, "key-1")
    assert_envelope(response, 409, "create failed")
    assert response.reason == "Conflict"
    assert response.headers["retry-after"] == "1"


def test_given_two_callers_with_the_same_key_when_creating_then_each_gets_its_own_instance(
    invoke: Invoke, api: Api
) -> None:
    alice = create(invoke, {"namespace": "team-a"}, "shared-key", caller=ALICE)
    bob = create(invoke, {"namespace": "team-a", "shareStorage": True}, "shared-key", caller=BOB)
    assert (alice.status, bob.status) == (200, 200)
    assert alice.data["name"] != bob.data["name"]
    assert len(instances(api, "team-a")) == 2


@pytest.mark.parametrize(("key", "fine"), [("", False), ("k" * 256, False), ("k" * 255, True), ("ü-ключ", True)])
def test_given_an_idempotency_key_of_some_length_when_creating_then_1_to_255_characters_are_accepted(
    invoke: Invoke, key: str, fine: bool
) -> None:
    response = create(invoke, {"namespace": "team-a"}, key)
    if fine:
        assert response.status == 200
    else:
        assert_envelope(response, 400, "create failed")
        assert response.fields == ["Idempotency-Key"]


def test_given_the_key_twice_when_creating_then_400(invoke: Invoke) -> None:
    event = api_event("POST", body={"name": "a"}, headers={"Idempotency-Key": "k"})
    event["multiValueHeaders"]["Idempotency-Key"] = ["k", "k2"]
    response = invoke("CreateInstanceFunction", event)
    assert response.status == 400
    assert response.data["details"] == [{"field": "Idempotency-Key", "message": "must be given once"}]


def test_given_dynamodb_fails_before_the_create_when_it_retries_then_503_and_no_instance(
    invoke: Invoke, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_once(monkeypatch, "PutItem", "IdempotencyTable")
    response = create(invoke, {"namespace": "team-a"}, "key-1")
    assert_envelope(response, 503, "create failed")
    assert response.headers["retry-after"] == "1"
    assert instances(api, "team-a") == []
    assert create(invoke, {"namespace": "team-a"}, "key-1").status == 200, "the key is still usable"


def test_given_the_answer_is_lost_after_the_create_when_retrying_then_the_same_instance_comes_back(
    invoke: Invoke, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Recording the answer fails after the instance was written; the in-progress record
    # lapses when the invocation's time does (1 ms left here), and the retry runs again.
    fail_once(monkeypatch, "UpdateItem", "IdempotencyTable")
    lost = create(invoke, {"namespace": "team-a", "hostIDs": ["h1"]}, "key-1", remaining_ms=1)
    assert_envelope(lost, 503, "create failed")
    (written,) = instances(api, "team-a")
    retried = create(invoke, {"namespace": "team-a", "hostIDs": ["h1"]}, "key-1")
    assert_envelope(retried, 200, "create succeed")
    assert retried.data == written
    assert instances(api, "team-a") == [written], "no second instance"


def test_given_the_create_fails_and_the_key_cannot_be_released_when_answering_then_503(
    invoke: Invoke, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.create({"name": "taken", "namespace": "team-b"})
    fail_once(monkeypatch, "DeleteItem", "IdempotencyTable")
    response = create(invoke, {"name": "taken", "namespace": "team-a"}, "key-1")
    assert_envelope(response, 503, "create failed")
    assert api.get("taken").data["namespace"] == "team-b", "nothing overwritten"


def test_given_the_idempotency_store_is_misconfigured_when_creating_then_500_without_internals(
    invoke: Invoke, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_once(monkeypatch, "PutItem", "IdempotencyTable", code="ResourceNotFoundException")
    response = create(invoke, {"namespace": "team-a"}, "key-1")
    assert_envelope(response, 500, "create failed")
    assert "IdempotencyTable" not in str(response.body)
    assert instances(api, "team-a") == []
