"""What the client puts on the wire for namespaces, names and hosts, and what it refuses to put
there (a recording fake server: exactly the requests sent, and none for a refused value)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

from devtools.template import ROOT
from instancectl import InstanceClient, InvalidArgument, names
from instancectl.cli import EXIT_ERROR
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


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        (["list", "-n", ".."], "namespace"),
        (["list", "-n", "../../admin"], "namespace"),
        (["get", "web-1", "-n", "."], "namespace"),
        (["delete", "web-1", "-n", "team-a/instance"], "namespace"),
        (["list", "-n", "Team-A"], "namespace"),
        (["list", "-n", ""], "namespace"),
        (["get", ".."], "name"),
        (["get", "web-1&name=other"], "name"),
        (["delete", "x" * 64], "name"),
        (["get", "caf\udce9"], "name"),  # a non-UTF-8 argument, as Python receives it
        (["list", "--host", "../h"], "hostID"),
        (["list", "--host", "h 1"], "hostID"),
        (["apply", "-f", "-"], "namespace"),
        (["create", "-f", "-"], "namespace"),
    ],
)
def test_given_a_value_that_breaks_the_apis_rule_when_calling_then_it_is_refused_before_any_request(
    arguments: list[str], field: str, recorder: InterceptingServer
) -> None:
    result = Cli(recorder.base_url)(*arguments, stdin="name: web-1\nnamespace: ..\n")
    assert recorder.requests() == []
    assert result.exit_code == EXIT_ERROR, result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    assert field in result.stderr


@pytest.mark.parametrize(
    "call",
    [
        lambda client: client.get("web-1", namespace=".."),
        lambda client: client.list(namespace="../admin"),
        lambda client: client.list(host="h/1"),
        lambda client: client.delete("..", version=1),
        lambda client: client.update("web-1", {"hostIDs": []}, version=1, namespace="%2e%2e"),
        lambda client: client.create({"name": "web-1", "namespace": ".."}),
    ],
)
def test_given_the_library_and_a_value_that_breaks_the_apis_rule_when_calling_then_invalid_argument_and_no_request(
    call: Callable[[InstanceClient], object], recorder: InterceptingServer
) -> None:
    with InstanceClient(recorder.base_url) as client, pytest.raises(InvalidArgument):
        call(client)
    assert recorder.requests() == []


def test_given_the_apis_field_rules_when_compared_with_the_clients_then_the_patterns_are_the_same() -> None:
    """The client checks what it puts in a URL with the API's own patterns (it cannot import them)."""
    layer = [path.read_text(encoding="utf-8") for path in (ROOT / "layers" / "common").rglob("*.py")]
    (rules,) = [text for text in layer if "DNS_LABEL_PATTERN = " in text and "HOST_ID_PATTERN = " in text]
    assert f"DNS_LABEL_PATTERN = {json.dumps(names.DNS_LABEL_PATTERN)}\n" in rules
    assert f"HOST_ID_PATTERN = {json.dumps(names.HOST_ID_PATTERN)}\n" in rules
    assert f"DNS_LABEL_MAX = {names.DNS_LABEL_MAX}\n" in rules
    assert f"HOST_ID_MAX = {names.HOST_ID_MAX}\n" in rules


def test_given_a_host_when_listing_then_the_host_query_parameter_is_sent(recorder: InterceptingServer) -> None:
    result = Cli(recorder.base_url)("list", "--host", "host-a:1", "--limit", "5", "-n", "team-a")
    assert result.exit_code == 0, result.stderr
    (exchange,) = recorder.requests()
    assert exchange.path == NAMESPACED
    assert exchange.query == {"hostID": ["host-a:1"], "limit": ["5"]}


def test_given_a_next_token_with_odd_bytes_when_listing_then_it_is_sent_percent_encoded(
    recorder: InterceptingServer,
) -> None:
    result = Cli(recorder.base_url)("list", "--next-token", "abc\udcff\ud83d")  # argv bytes no UTF-8 decodes
    assert result.exit_code == 0, result.stderr
    (exchange,) = recorder.requests()
    assert exchange.target.startswith("/api/v1/instance?nextToken=abc%")


def test_given_the_library_and_a_body_with_a_lone_surrogate_when_creating_then_it_is_sent_as_a_json_escape(
    recorder: InterceptingServer,
) -> None:
    with InstanceClient(recorder.base_url) as client:
        client.create({"name": "web-1", "spec": {"image": "x\ud83d"}})
    (exchange,) = recorder.requests()
    assert b'"x\\ud83d"' in exchange.body
