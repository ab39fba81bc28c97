"""A create whose answer is lost is retried with the same Idempotency-Key, so it does not 409.

A fault-injecting proxy in front of the local API forwards the create, lets the API write
the instance, and drops the answer: the client sees a closed connection and tries again.
"""

from __future__ import annotations

import json
import uuid

from tests.client.conftest import Cli, unique
from tests.http.local_api import LocalApi
from tests.http.proxy import Decide, Exchange, Forward, InterceptingServer, Reply


def _drop_first_create_answer(before_retry: list[Exchange] | None = None) -> Decide:
    """A proxy decision: the first POST reaches the API but its answer is dropped; before the
    next POST, the requests in `before_retry` are sent to the API."""
    answered: list[Reply] = []

    def decide(exchange: Exchange, forward: Forward) -> Reply | None:
        if exchange.method != "POST":
            return forward(exchange)
        if answered:
            for other in before_retry or []:
                forward(other)
            return forward(exchange)
        answered.append(forward(exchange))
        return None

    return decide


def test_given_a_create_whose_answer_is_lost_when_the_cli_retries_then_it_gets_the_instance_not_a_409(
    local_api: LocalApi,
) -> None:
    name = unique("lost")
    with InterceptingServer(_drop_first_create_answer(), local_api.base_url) as proxy:
        result = Cli(proxy.base_url)("create", "-f", "-", stdin=f"name: {name}\nhostIDs: [h-1]\n")
        posts = proxy.requests("POST")

    assert result.exit_code == 0, result.stderr
    assert "no answer" in result.stderr
    assert "retrying in" in result.stderr
    assert json.loads(result.stdout)["version"] == 1
    assert len(posts) == 2
    keys = {post.header("Idempotency-Key") for post in posts}
    assert len(keys) == 1  # one key, generated once, sent on both attempts
    assert None not in keys
    assert posts[0].body == posts[1].body
    stored = local_api.request("GET", f"/api/v1/instance?name={name}").body["data"]
    assert stored["version"] == 1
    # What the reused key saved the retry from: the same create under a new key is refused.
    fresh_key = local_api.request(
        "POST", "/api/v1/instance", json.loads(posts[0].body), headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert (fresh_key.status, fresh_key.body["data"]["reason"]) == (409, "AlreadyExists")


def test_given_the_instance_changed_before_the_retry_when_the_key_is_reused_then_200_and_with_a_new_key_409(
    local_api: LocalApi,
) -> None:
    """Another writer updated the instance before the retry: the key's record still replays the
    first attempt's answer (200, version 1), while a new key gets 409."""
    name = unique("moved-on")
    update = Exchange(
        "PUT",
        "/api/v1/instance",
        (("Content-Type", "application/json"),),
        json.dumps({"name": name, "shareStorage": True}).encode(),
    )
    with InterceptingServer(_drop_first_create_answer([update]), local_api.base_url) as proxy:
        result = Cli(proxy.base_url)("create", "-f", "-", stdin=f"name: {name}\n")

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["version"] == 1  # the first attempt's answer, replayed
    fresh_key = local_api.request(
        "POST", "/api/v1/instance", {"name": name}, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert fresh_key.status == 409
    assert fresh_key.body["data"]["reason"] == "AlreadyExists"
    assert local_api.request("GET", f"/api/v1/instance?name={name}").body["data"]["version"] == 2
