"""Answers a careless proxy or a server that is not the Instance API gives: the client never shows
a traceback; it says what came back and exits with the documented status (a scripted server)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from instancectl import InstanceClient, UnexpectedAnswer
from instancectl.cli import EXIT_ERROR, EXIT_OK, EXIT_UNAVAILABLE
from instancectl.transport import MAX_ANSWER_BYTES
from tests.client.conftest import Cli
from tests.http.proxy import Exchange, Forward, InterceptingServer, Reply

INSTANCE = {
    "name": "web-1",
    "namespace": "default",
    "spec": {"image": ""},
    "shareStorage": False,
    "hostIDs": ["h-1"],
    "version": 1,
}
_HTML = (("Content-Type", "text/html"),)


def envelope(data: object, code: int = 200, status: int | None = None) -> Reply:
    return Reply(status or code, json.dumps({"code": code, "message": "get succeed", "data": data}).encode())


def _always(reply: Reply) -> InterceptingServer:
    return InterceptingServer(lambda exchange, forward: reply)


@pytest.mark.parametrize(
    ("reply", "arguments", "expected"),
    [
        (envelope([1, 2]), ["get", "web-1"], "data is a list, not an instance"),
        (envelope("web-1"), ["get", "web-1"], "data is a string, not an instance"),
        (envelope({"spec": {}}), ["get", "web-1"], "data is an object without a name"),
        (envelope(None), ["delete", "web-1"], "data is null, not an object"),
        (envelope([INSTANCE]), ["list"], "data is a list, not a page"),
        (envelope({"items": "web-1"}), ["list"], "items is a string, not a list"),
        (envelope({"items": [1]}), ["list"], "items[0] is a number, not an instance"),
        (envelope({"items": [], "nextToken": 5}), ["list"], "nextToken is a number, not a string"),
        (envelope(INSTANCE, code=500, status=200), ["get", "web-1"], "code 500 on an HTTP 200"),
        (Reply(200, b'{"code": 200, "message": "ok"}'), ["get", "web-1"], "not the API's envelope"),
        (Reply(200, b"not json at all"), ["get", "web-1"], "not the API's envelope"),
        (Reply(200, b""), ["get", "web-1"], "not the API's envelope"),
        (Reply(200, b"\xff\xfe\x00garbage"), ["get", "web-1"], "not the API's envelope"),
        (Reply(200, b'{"code": 200, "message": "ok", "data": {"name": "a", "version": 1e999}}'), ["get", "a"], "JSON"),
        (Reply(200, b'{"code": 200, "message": "ok", "data": {"name": NaN}}'), ["get", "a"], "JSON"),
        (Reply(200, b"<html><body>Welcome to nginx!</body></html>", _HTML), ["get", "web-1"], "not the API's envelope"),
        (Reply(204), ["delete", "web-1"], "not the API's envelope"),
        (Reply(302, b"", (("Location", "https://login.example.com/"),)), ["get", "web-1"], "redirect"),
        (Reply(307, b"", (("Location", "/elsewhere"),)), ["list"], "redirect to /elsewhere"),
        (Reply(404, b'{"code": 404, "data": {"reason": "NotFound", "details": ["x", 5]}}'), ["get", "x"], "NotFound"),
        (Reply(400, b'{"code": 400, "data": {"reason": {"a": 1}, "error": ["x"]}}'), ["get", "x"], "400"),
        (Reply(400, b"[1, 2, 3]"), ["get", "x"], "HTTP400"),
    ],
)
def test_given_an_answer_that_is_not_the_apis_when_calling_then_one_error_line_and_a_documented_status(
    reply: Reply, arguments: list[str], expected: str
) -> None:
    with _always(reply) as server:
        result = Cli(server.base_url)(*arguments)
    assert result.exit_code in (EXIT_ERROR, 3), result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("error: "), result.stderr
    assert expected in result.stderr


def test_given_an_html_page_from_a_proxy_when_it_says_502_then_exit_5_and_the_page_text_is_short_and_on_one_line() -> (
    None
):
    page = b"<html>\n<head><title>502 Bad Gateway</title></head>\n" + b"<p>x</p>\n" * 2000 + b"</html>"
    with _always(Reply(502, page, _HTML)) as server:
        result = Cli(server.base_url)("get", "web-1", "--max-attempts", "1")
    assert result.exit_code == EXIT_UNAVAILABLE
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: HTTP502: <html> <head><title>502 Bad Gateway</title></head>")
    assert len(line) < 300


def test_given_an_answer_larger_than_api_gateway_sends_when_reading_then_it_is_refused_unread() -> None:
    giant = b'{"code": 200, "message": "get succeed", "data": {"name": "' + b"x" * MAX_ANSWER_BYTES + b'"}}'
    with _always(Reply(200, giant)) as server:
        result = Cli(server.base_url)("get", "web-1")
    assert result.exit_code == EXIT_ERROR
    assert "larger than" in result.stderr


def _repeating_token(exchange: Exchange, forward: Forward) -> Reply:
    return envelope({"items": [INSTANCE], "nextToken": "same-token"})


def test_given_a_server_that_repeats_its_next_token_when_listing_all_then_it_stops_with_an_error() -> None:
    with InterceptingServer(_repeating_token) as server:
        result = Cli(server.base_url)("list", "--all")
        with InstanceClient(server.base_url) as client, pytest.raises(UnexpectedAnswer, match="repeated"):
            list(client.list_all())
    assert result.exit_code == EXIT_ERROR
    assert "nextToken 'same-token' came back" in result.stderr
    assert len(server.requests()) == 4  # the first page and the repeat, for the CLI and for the library


@pytest.fixture
def odd_instance() -> Iterator[InterceptingServer]:
    """An instance whose fields hold a lone surrogate escape, an emoji's pair of escapes and wrong types."""
    body = (
        b'{"code": 200, "message": "get succeed", "data": {"name": "web-\\ud83d", "namespace": "default",'
        b' "spec": {"image": "\\ud83d\\ude00"}, "shareStorage": [], "hostIDs": 5, "version": "one"}}'
    )
    with _always(Reply(200, body)) as server:
        yield server


@pytest.mark.parametrize("form", ["json", "yaml", "table", "name"])
def test_given_odd_text_and_wrong_types_in_an_instance_when_printing_then_every_form_prints(
    form: str, odd_instance: InterceptingServer
) -> None:
    result = Cli(odd_instance.base_url)("get", "web-1", "-o", form)
    assert result.exit_code == EXIT_OK, result.stderr
    assert "web-" in result.stdout
    if form == "json":
        printed = json.loads(result.stdout)
        assert printed["name"] == "web-\ud83d"  # the escape the server sent, kept
        assert printed["spec"]["image"] == "\U0001f600"


@pytest.mark.parametrize("version", [None, "2", True, 1.5])
def test_given_a_stored_instance_without_an_integer_version_when_applying_then_nothing_is_written(
    version: object,
) -> None:
    stored = {**INSTANCE, "version": version}
    with _always(envelope({key: value for key, value in stored.items() if value is not None})) as server:
        result = Cli(server.base_url)("apply", "-f", "-", stdin="name: web-1\nhostIDs: [h-2]\n")
        assert [exchange.method for exchange in server.requests()] == ["GET"]
    assert result.exit_code == EXIT_ERROR
    assert "version" in result.stderr
