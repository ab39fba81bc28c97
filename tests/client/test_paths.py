"""What the client puts on the wire for namespaces and hosts (a recording fake server, so
these run before the API serves namespaced routes and the host query)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.client.conftest import Cli
from tests.http.proxy import Exchange, Forward, InterceptingServer, Reply

NAMESPACED = "/api/v1/namespaces/team-a/instance"
INSTANCE = {
    "name": "web-1",
    "namespace": "team-a",
    "spec": {"image": ""},
    "shareStorage": False,
    "hostIDs": [],
    "version": 1,
}


def _answer(exchange: Exchange, forward: Forward) -> Reply:
    if exchange.method == "GET" and "name" not in exchange.query:
        data: object = {"items": [INSTANCE], "nextToken": None}
    elif exchange.method == "DELETE":
        data = {"name": "web-1"}
    else:
        data = INSTANCE
    return Reply(200, json.dumps({"code": 200, "message": "ok", "data": data}).encode())


@pytest.fixture
def recorder() -> Iterator[InterceptingServer]:
    with InterceptingServer(_answer) as server:
        yield server


@pytest.mark.parametrize(
    ("arguments", "method"),
    [
        (["get", "web-1", "-n", "team-a"], "GET"),
        (["list", "-n", "team-a"], "GET"),
        (["list", "-n", "team-a", "--all"], "GET"),
        (["delete", "web-1", "--namespace", "team-a"], "DELETE"),
        (["create", "-f", "-"], "POST"),
        (["create", "-f", "-", "-n", "team-a"], "POST"),
    ],
)
def test_given_a_namespace_when_calling_then_the_namespaces_own_path_is_used(
    arguments: list[str], method: str, recorder: InterceptingServer
) -> None:
    document = "name: web-1\nnamespace: team-a\n" if "-n" not in arguments else "name: web-1\n"
    result = Cli(recorder.base_url)(*arguments, stdin=document)
    assert result.exit_code == 0, result.stderr
    (exchange,) = recorder.requests()
    assert (exchange.method, exchange.path) == (method, NAMESPACED)
    assert "namespace" not in exchange.query  # a namespaced list takes no namespace parameter


def test_given_a_document_with_a_namespace_when_applying_then_get_and_put_use_its_path(
    recorder: InterceptingServer,
) -> None:
    result = Cli(recorder.base_url)("apply", "-f", "-", stdin="name: web-1\nnamespace: team-a\nhostIDs: [h-1]\n")
    assert result.exit_code == 0, result.stderr
    assert [(exchange.method, exchange.path) for exchange in recorder.requests()] == [
        ("GET", NAMESPACED),
        ("PUT", NAMESPACED),
    ]
    put = recorder.requests("PUT")[0].json
    assert put == {"name": "web-1", "hostIDs": ["h-1"], "version": 1}


def test_given_no_namespace_when_calling_then_the_cluster_wide_path_is_used(recorder: InterceptingServer) -> None:
    Cli(recorder.base_url)("get", "web-1")
    assert recorder.requests()[0].path == "/api/v1/instance"


def test_given_a_namespace_with_path_characters_when_calling_then_it_stays_one_path_segment(
    recorder: InterceptingServer,
) -> None:
    Cli(recorder.base_url)("list", "-n", "../../admin")
    assert recorder.requests()[0].path == "/api/v1/namespaces/..%2F..%2Fadmin/instance"


def test_given_a_host_when_listing_then_the_host_query_parameter_is_sent(recorder: InterceptingServer) -> None:
    result = Cli(recorder.base_url)("list", "--host", "host-a:1", "--limit", "5", "-n", "team-a")
    assert result.exit_code == 0, result.stderr
    (exchange,) = recorder.requests()
    assert exchange.path == NAMESPACED
    assert exchange.query == {"hostID": ["host-a:1"], "limit": ["5"]}
