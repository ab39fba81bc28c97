"""docs/contract.md, "Integrity", at the handler tier: what only moto lets us stage.

Key rotation through Secrets Manager, generated names keyed by the server's secret,
interleavings of creates and deletes, and a property over arbitrary requests to every
function: whatever a client sends, the answer is a 2xx or 4xx envelope, never a 5xx.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import TYPE_CHECKING, Any

import botocore.session
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devtools.template import LOCAL_REGION
from instance_api.domain import names
from tests.handlers.conftest import Api, Invoke, unreported
from tests.support import ApiResponse, api_event, assert_envelope

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

ALICE = "arn:aws:iam::111122223333:user/alice"
OPERATIONS = {
    "POST": "CreateInstanceFunction",
    "PUT": "UpdateInstanceFunction",
    "GET": "GetInstanceFunction",
    "DELETE": "DeleteInstanceFunction",
}


def rotate(secret: str) -> None:
    """An operator's rotation: a new current value; the old one becomes AWSPREVIOUS."""
    manager: Any = botocore.session.get_session().create_client("secretsmanager", region_name=LOCAL_REGION)
    manager.put_secret_value(SecretId=secret, SecretString=secrets.token_urlsafe(48))


def keyed_create(invoke: Invoke, body: dict[str, Any], key: str) -> ApiResponse:
    event = api_event("POST", body=body, headers={"Idempotency-Key": key}, user_arn=ALICE)
    return invoke("CreateInstanceFunction", event)


# -- the pagination key rotates without a deployment -----------------------------------------


def test_given_a_listing_in_progress_when_the_key_rotates_then_its_next_page_still_comes(api: Api) -> None:
    for name in ("r1", "r2", "r3"):
        api.create({"name": name, "namespace": "rot"})
    first = api.list(namespace="rot", limit="1").data
    rotate("PaginationTokenSecret")
    second = api.list(namespace="rot", limit="1", nextToken=first["nextToken"])
    assert_envelope(second, 200, "list succeed")
    assert [item["name"] for item in first["items"] + second.data["items"]] == ["r1", "r2"]


def test_given_a_token_signed_two_rotations_ago_when_listing_then_400_bad_request(api: Api) -> None:
    for name in ("r1", "r2"):
        api.create({"name": name, "namespace": "rot"})
    token = api.list(namespace="rot", limit="1").data["nextToken"]
    rotate("PaginationTokenSecret")
    rotate("PaginationTokenSecret")
    response = api.list(namespace="rot", limit="1", nextToken=token)
    assert_envelope(response, 400, "list failed")
    assert response.reason == "BadRequest"


# -- generated names cannot be predicted from the caller and the key --------------------------


def guess(caller: str, key: str) -> str:
    """What an attacker computes without the server's secret (the derivation before keying)."""
    digest = hashlib.sha256(f"{caller}\n{key}".encode()).digest()
    letters = names.ALPHABET[:20]
    return letters[digest[0] % 20] + "".join(names.ALPHABET[byte % 27] for byte in digest[1:20])


def forget_idempotency_records(dynamodb: DynamoDBClient) -> None:
    """What an hour does: the records expire, so a retry runs the create again."""
    for item in dynamodb.scan(TableName="IdempotencyTable")["Items"]:
        dynamodb.delete_item(TableName="IdempotencyTable", Key={"id": item["id"]})


def test_given_a_keyed_create_without_a_name_when_its_record_lapses_then_the_retry_derives_the_same_name(
    invoke: Invoke, dynamodb: DynamoDBClient
) -> None:
    first = keyed_create(invoke, {"namespace": "n"}, "ci-run-42")
    forget_idempotency_records(dynamodb)
    again = keyed_create(invoke, {"namespace": "n"}, "ci-run-42")
    assert_envelope(again, 200, "create succeed")
    assert again.data == first.data, "found by its derived name and adopted by its mark: no second instance"
    assert first.data["name"] != guess(ALICE, "ci-run-42")


def test_given_two_deployments_when_one_caller_uses_one_key_then_the_names_differ(
    invoke: Invoke, dynamodb: DynamoDBClient
) -> None:
    first = keyed_create(invoke, {"namespace": "n"}, "ci-run-42").data["name"]
    forget_idempotency_records(dynamodb)
    rotate("NameKeySecret")  # another deployment: another secret
    second = keyed_create(invoke, {"namespace": "n"}, "ci-run-42").data["name"]
    assert first != second


def test_given_a_name_an_attacker_took_first_when_the_victim_creates_with_its_key_then_it_does_not_adopt_it(
    invoke: Invoke, api: Api
) -> None:
    victim = keyed_create(invoke, {"namespace": "n", "hostIDs": ["h1"]}, "victim-key")
    api.delete({"name": victim.data["name"]})
    # The attacker re-creates the very name with identical fields (it can see it, say, in a list).
    attacker = api.create({"name": victim.data["name"], "namespace": "n", "hostIDs": ["h1"]})
    assert attacker.status == 200
    retried = keyed_create(invoke, {"namespace": "n", "hostIDs": ["h1"]}, "other-key-same-body")
    assert retried.status == 200
    assert retried.data["name"] != victim.data["name"], "a new key derives a new name"
    replay = keyed_create(invoke, {"name": victim.data["name"], "namespace": "n", "hostIDs": ["h1"]}, "k-3")
    assert_envelope(replay, 409, "create failed")
    assert replay.reason == "AlreadyExists", "an identical instance someone else wrote is not adopted"


# -- interleavings of creates and deletes --------------------------------------------------


def test_given_create_delete_create_when_a_writer_holds_the_first_version_then_its_write_is_409(api: Api) -> None:
    assert api.create({"name": "aba"}).data["version"] == 1
    assert api.update({"name": "aba", "shareStorage": True}).data["version"] == 2
    assert api.delete({"name": "aba", "version": 2}).status == 200
    recreated = api.create({"name": "aba", "spec": {"image": "good:1"}})
    assert recreated.data["version"] == 3
    for stale in (1, 2):
        assert api.update({"name": "aba", "spec": {"image": "evil:1"}, "version": stale}).status == 409
        assert api.delete({"name": "aba", "version": stale}).status == 409
    assert api.get("aba").data == unreported(recreated.data)


def test_given_a_deleted_instance_when_keyed_creates_of_its_name_follow_one_another_then_one_200(
    invoke: Invoke, api: Api
) -> None:
    assert api.create({"name": "contested"}).status == 200
    assert api.delete({"name": "contested"}).status == 200
    responses = [keyed_create(invoke, {"name": "contested"}, f"key-{index}") for index in range(8)]
    assert [response.status for response in responses] == [200] + [409] * 7
    assert responses[0].data["version"] == 2, "over the tombstone, the version continues"


# -- never a 5xx for input -------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
bodies = st.one_of(
    st.none(),
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda raw: raw.decode("latin-1")),
    json_values.map(json.dumps),
    st.fixed_dictionaries(
        {},
        optional={
            "name": st.text(max_size=70) | st.integers(),
            "namespace": st.text(max_size=70),
            "spec": json_values,
            "shareStorage": json_values,
            "hostIDs": json_values,
            "version": st.integers() | st.text(max_size=5),
            "labels": json_values | st.dictionaries(st.text(max_size=320), st.text(max_size=70), max_size=70),
        },
    ).map(json.dumps),
)
# Selector-like text: its grammar's symbols, words, keywords and non-ASCII.
selector_texts = st.lists(st.sampled_from([*"=!(),<> \t/.-_aZ9é", "in", "notin", "app"]), max_size=30).map("".join)
query_values = (
    st.text(max_size=30)
    | st.integers(min_value=-(10**50), max_value=10**50).map(str)
    | selector_texts
    | st.sampled_from(["true", "false", "TRUE", ""])
)
queries = st.dictionaries(
    st.sampled_from(["name", "namespace", "limit", "nextToken", "hostID", "labelSelector", "dryRun", "other"])
    | st.text(max_size=10),
    query_values | st.lists(query_values, min_size=1, max_size=3),
    max_size=4,
)
headers = st.dictionaries(
    st.sampled_from(["Content-Type", "Idempotency-Key", "X-Other"]),
    st.sampled_from(["application/json", "application/json; charset=latin-1", "text/plain", ""])
    | st.text(max_size=300),
    max_size=3,
)


# The seed's path, or a namespaced one with any text API Gateway could pass as its segment.
namespaces = st.none() | st.sampled_from(["team-a", "Team_A", "a" * 64, "%2F", ""]) | st.text(max_size=70)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=st.sampled_from(sorted(OPERATIONS)), body=bodies, query=queries, extra=headers, namespace=namespaces)
def test_given_any_request_to_any_function_when_answered_then_never_a_5xx(
    invoke: Invoke, method: str, body: str | None, query: dict[str, Any], extra: dict[str, str], namespace: str | None
) -> None:
    event = api_event(method, body=body, query=query or None, headers=extra, namespace=namespace)
    response = invoke(OPERATIONS[method], event)
    assert response.status < 500, (response.status, response.body)
    assert response.body["code"] == response.status
    if response.status >= 400:
        assert set(response.body["data"]) >= {"error", "reason", "requestId"}
        assert len(response.body["data"].get("details", [])) <= 20


@pytest.mark.parametrize("count", [1, 20, 21, 500])
def test_given_many_unknown_fields_when_creating_then_at_most_20_details_and_the_rest_counted(
    api: Api, count: int
) -> None:
    response = api.create({f"unknown{index}": 1 for index in range(count)})
    assert_envelope(response, 400, "create failed")
    assert len(response.data["details"]) == min(count, 20)
    if count > 20:
        assert f"({count - 20} more not listed)" in response.data["error"]
