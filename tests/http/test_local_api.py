"""The local API emulator itself: events as API Gateway builds them, isolation, failures, reload."""

from __future__ import annotations

import base64
import json
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from devtools.local_api import launch
from devtools.local_api.gateway import LocalApiGateway
from devtools.template import ROOT, Template
from instance_api.http.routes import NAMESPACED_INSTANCE_PATH
from tests.http.local_api import FIXTURE_APP, SIGINT_IGNORED, LocalApi
from tests.support import require_dynamodb_local


def echo(api: LocalApi, target: str = "/echo", **kwargs: object) -> dict[str, object]:
    result = api.request("GET", target, **kwargs)  # type: ignore[arg-type]
    assert result.status == 200, result.raw
    body: dict[str, object] = result.body
    return body


# -- the event and the context ------------------------------------------------------------------


def test_given_a_request_when_proxying_then_the_event_is_a_rest_v1_proxy_event(fixture_api: LocalApi) -> None:
    result = fixture_api.request("GET", "/echo?a=1&b=2&b=3&empty=", headers={"X-Trace": "t1", "User-Agent": "curl/8"})
    echoed = result.body
    event = echoed["event"]
    assert (event["resource"], event["path"], event["httpMethod"]) == ("/echo", "/echo", "GET")
    assert event["queryStringParameters"] == {"a": "1", "b": "3", "empty": ""}
    assert event["multiValueQueryStringParameters"] == {"a": ["1"], "b": ["2", "3"], "empty": [""]}
    assert event["headers"]["X-Trace"] == "t1"
    assert event["multiValueHeaders"]["X-Trace"] == ["t1"]
    assert (event["body"], event["isBase64Encoded"], event["pathParameters"]) == (None, False, None)
    context = event["requestContext"]
    assert context["requestId"] == result.headers["x-amzn-RequestId"]
    assert (context["resourcePath"], context["httpMethod"], context["stage"]) == ("/echo", "GET", "test")
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "curl/8"
    assert context["path"] == "/test/echo"
    lambda_context = echoed["context"]
    assert lambda_context["function_name"] == "EchoFunction"
    assert lambda_context["memory_limit_in_mb"] == 192
    assert 0 < lambda_context["remaining_ms"] <= 3000
    assert lambda_context["aws_request_id"]


def test_given_a_path_template_when_proxying_then_path_parameters_and_body_are_passed(fixture_api: LocalApi) -> None:
    result = fixture_api.request("POST", "/echo/item-7", body="plain text", headers={"Content-Type": "text/plain"})
    event = result.body["event"]
    assert (event["resource"], event["path"]) == ("/echo/{id}", "/echo/item-7")
    assert event["pathParameters"] == {"id": "item-7"}
    assert (event["body"], event["isBase64Encoded"]) == ("plain text", False)


def test_given_a_get_with_a_body_when_proxying_then_the_body_is_passed_as_for_any_method(fixture_api: LocalApi) -> None:
    # API Gateway (REST) passes a GET's body on to a proxy integration: the function, not the
    # gateway, answers it (the API's get: 413 over 64 KiB, else 415 or 400).
    large = "x" * (64 * 1024 + 1)
    event = fixture_api.request("GET", "/echo", body=large, headers={"Content-Type": "text/plain"}).body["event"]
    assert (event["httpMethod"], event["body"], event["isBase64Encoded"]) == ("GET", large, False)


# What API Gateway (REST) sends, from live captures (github.com/hotsock/voker, vokerhttp/testdata):
# `path`, `requestContext.path` and `pathParameters` keep the client's percent-encoding; the
# query string is decoded. So an encoded "/" stays inside its segment and never splits it.
@pytest.mark.parametrize("segment", ["team-a", "a%2Fb", "a%20b", "caf%C3%A9", "a+b", "100%25", "Team_A.1"])
def test_given_a_path_parameter_when_proxying_then_it_arrives_as_sent_percent_encoded_like_api_gateway(
    fixture_api: LocalApi, segment: str
) -> None:
    event = echo(fixture_api, f"/other/{segment}/echo?q=a%2Fb")["event"]
    assert event["resource"] == event["requestContext"]["resourcePath"] == "/other/{namespace}/echo"  # type: ignore[index]
    assert event["pathParameters"] == {"namespace": segment}  # type: ignore[index]
    assert event["path"] == f"/other/{segment}/echo"  # type: ignore[index]
    assert event["requestContext"]["path"] == f"/test/other/{segment}/echo"  # type: ignore[index]
    assert event["queryStringParameters"] == {"q": "a/b"}  # type: ignore[index]


def test_given_a_parameter_route_under_a_greedy_one_when_routing_then_the_parameter_route_wins_for_its_method(
    fixture_api: LocalApi,
) -> None:
    assert fixture_api.request("GET", "/other/team-a/echo").status == 200, "EchoFunction"
    assert fixture_api.request("GET", "/other/team-a/echo/more").status == 201, "OtherFunction's {proxy+}"
    assert fixture_api.request("GET", "/other/a/b/echo").status == 201, "a decoded / is a separator"


@pytest.mark.parametrize(
    ("method", "target", "function", "resource", "parameters"),
    [
        ("GET", "/api/v1/namespaces/team-a/instance?name=web-1", "GetInstanceFunction", None, {"namespace": "team-a"}),
        ("POST", "/api/v1/namespaces/team-a/instance", "CreateInstanceFunction", None, {"namespace": "team-a"}),
        ("PUT", "/api/v1/namespaces/team-a/instance", "UpdateInstanceFunction", None, {"namespace": "team-a"}),
        ("DELETE", "/api/v1/namespaces/team-a/instance", "DeleteInstanceFunction", None, {"namespace": "team-a"}),
        ("PATCH", "/api/v1/namespaces/team-a/instance", "RouteFallbackFunction", None, {"namespace": "team-a"}),
        ("GET", "/api/v1/namespaces/a%2Fb/instance", "GetInstanceFunction", None, {"namespace": "a%2Fb"}),
        (
            "GET",
            "/api/v1/namespaces/a/b/instance",
            "RouteFallbackFunction",
            "/{proxy+}",
            {"proxy": "api/v1/namespaces/a/b/instance"},
        ),
        (
            "GET",
            "/api/v1/namespaces/team-a",
            "RouteFallbackFunction",
            "/{proxy+}",
            {"proxy": "api/v1/namespaces/team-a"},
        ),
        ("GET", "/api/v1/instance", "GetInstanceFunction", "/api/v1/instance", None),
    ],
)
def test_given_the_project_s_routes_when_matching_a_request_then_a_namespaced_route_outranks_the_fallback(
    method: str, target: str, function: str, resource: str | None, parameters: dict[str, str] | None
) -> None:
    gateway = LocalApiGateway(Template.load(), {})
    matched = gateway.match(method, target)
    assert matched is not None
    route, path_parameters = matched
    assert route.function.logical_id == function
    assert route.path == (resource or NAMESPACED_INSTANCE_PATH)
    assert (path_parameters or None) == parameters
    gateway.close()


def test_given_an_unrouted_method_on_a_namespace_s_path_when_sent_then_the_fallback_s_405_not_its_404(
    embedded_local_api: LocalApi,
) -> None:
    result = embedded_local_api.request("PATCH", "/api/v1/namespaces/team-a/instance")
    assert (result.status, result.headers["Allow"]) == (405, "DELETE, GET, POST, PUT")
    assert (result.body["code"], result.body["data"]["reason"]) == (405, "MethodNotAllowed"), "not {proxy+}'s 404"
    assert "team-a" not in result.body["data"]["error"]


def test_given_a_body_that_is_not_utf8_when_proxying_then_it_arrives_base64_encoded(fixture_api: LocalApi) -> None:
    raw = bytes([0xFF, 0x00, 0xFE])
    event = fixture_api.request("POST", "/echo/x", body=raw).body["event"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw


def test_given_a_greedy_path_when_any_method_is_routed_then_the_proxy_parameter_takes_the_rest(
    fixture_api: LocalApi,
) -> None:
    result = fixture_api.request("DELETE", "/other/a/b/c")
    assert result.status == 201


# -- the proxy response --------------------------------------------------------------------------


def test_given_multi_value_headers_when_responding_then_each_value_is_a_header_line(fixture_api: LocalApi) -> None:
    result = fixture_api.request("GET", "/other/x")
    assert result.status == 201
    assert result.headers.get_all("Set-Cookie") == ["a=1", "b=2"]
    assert result.headers["X-Single"] == "one"


def test_given_a_base64_response_when_responding_then_the_client_gets_the_bytes(fixture_api: LocalApi) -> None:
    result = fixture_api.request("GET", "/other/binary")
    assert result.raw == bytes(range(256))
    assert result.headers["Content-Type"] == "application/octet-stream"


@pytest.mark.parametrize("action", ["raise", "malformed", "extra-key", "exit"])
def test_given_a_function_that_fails_when_invoking_then_the_template_s_default_5xx_answers(
    fixture_api: LocalApi, action: str
) -> None:
    result = fixture_api.request("GET", f"/misbehave?do={action}")
    request_id = result.headers["x-amzn-RequestId"]
    assert result.status == 502
    assert result.headers["X-Fixture"] == "custom"
    assert result.body == {"failed": "Internal server error", "type": "DEFAULT_5XX", "id": request_id, "unknown": ""}
    assert fixture_api.wait_for(f"\\[{request_id}\\]") is not None, "the detail goes to the console"
    if action == "raise":
        assert fixture_api.wait_for("internal detail that must not reach the client") is not None
        assert b"internal detail" not in result.raw
    assert fixture_api.request("GET", "/misbehave").status == 200, "the next request gets a working environment"


def test_given_a_function_that_outlives_its_timeout_when_invoking_then_502_and_the_next_one_works(
    fixture_api: LocalApi,
) -> None:
    result = fixture_api.request("GET", "/misbehave?do=sleep&seconds=5")
    assert result.status == 502
    assert fixture_api.wait_for("MisbehaveFunction timed out after 1 s") is not None
    assert fixture_api.request("GET", "/misbehave").status == 200


# -- routing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [("PUT", "/echo"), ("GET", "/nowhere"), ("GET", "/")])
def test_given_no_route_when_requesting_then_api_gateway_s_default_answer_as_the_template_customises_none(
    fixture_api: LocalApi, method: str, path: str
) -> None:
    result = fixture_api.request(method, path)
    assert result.status == 403
    assert result.body == {"message": "Missing Authentication Token"}


def test_given_a_request_larger_than_api_gateway_accepts_when_sending_then_413(fixture_api: LocalApi) -> None:
    result = fixture_api.request("POST", "/echo/x", body=b"x" * (10 * 1024 * 1024 + 1))
    assert result.status == 413
    assert result.body == {"message": "Request Too Long"}


def test_given_a_body_lambda_cannot_take_when_sending_then_413_before_any_function_runs(fixture_api: LocalApi) -> None:
    # Between 6 and 10 MB: API Gateway takes it, Lambda's invoke limit (the whole event) does not.
    result = fixture_api.request("POST", "/echo/x", body=b"x" * (6 * 1024 * 1024 + 1))
    assert result.status == 413
    assert result.body == {"message": "Request Too Long"}
    just_under = fixture_api.request("POST", "/echo/x", body=b"x" * (5 * 1024 * 1024))
    assert just_under.status == 200


def test_given_each_request_when_served_then_one_access_line_says_method_path_status_and_ms(
    fixture_api: LocalApi,
) -> None:
    marker = uuid.uuid4().hex
    fixture_api.request("GET", f"/nowhere-{marker}")
    assert fixture_api.wait_for(rf"^GET /nowhere-{marker} 403 \d+\.\d ms$") is not None


# -- isolation and environment ---------------------------------------------------------------------


def test_given_two_functions_named_app_when_invoking_then_each_runs_its_own_module_and_environment(
    fixture_api: LocalApi,
) -> None:
    echoed = echo(fixture_api)
    other = fixture_api.request("GET", "/other/x").body
    assert echoed["module"] == str(FIXTURE_APP / "functions" / "echo" / "app.py")
    assert other["module"] == str(FIXTURE_APP / "functions" / "other" / "app.py")
    assert echoed["env"] == {
        "GLOBAL_VAR": "from-globals",
        "SHARED": "echo",
        "ONLY_ECHO": "yes",
        "ONLY_OTHER": None,
        "TABLE": "Table",
        "TABLE_ARN": "arn:aws:dynamodb:us-east-1:000000000000:table/Table",
        "AWS_LAMBDA_FUNCTION_NAME": "EchoFunction",
    }
    assert (other["only_echo"], other["only_other"]) == (None, "yes")


def test_given_a_function_when_it_looks_at_its_import_path_then_code_comes_first_then_layers_never_the_emulator(
    fixture_api: LocalApi,
) -> None:
    echoed = echo(fixture_api)
    assert echoed["path"] == [str(FIXTURE_APP / "functions" / "echo"), str(FIXTURE_APP / "layers" / "shared")]
    assert echoed["devtools_importable"] is False
    assert echoed["layer"] == 1
    assert str(echoed["dynamodb_endpoint"]).startswith("http://127.0.0.1:")


def test_given_parallel_requests_when_serving_then_they_run_at_the_same_time(
    fixture_api: LocalApi, tmp_path: Path
) -> None:
    count = 3
    # Three overlapping requests need three workers: afterwards all three are warm.
    with ThreadPoolExecutor(max_workers=count) as pool:
        warmed = list(pool.map(lambda _: fixture_api.request("GET", "/misbehave?do=sleep&seconds=0.3"), range(count)))
    assert [result.status for result in warmed] == [200] * count
    # Each invoke marks a folder, then waits (briefly) to see all marks: only concurrent invokes meet.
    target = f"/misbehave?do=rendezvous&count={count}&dir={tmp_path}"
    with ThreadPoolExecutor(max_workers=count) as pool:
        results = list(pool.map(lambda _: fixture_api.request("GET", target).body, range(count)))
    assert all(result["met"] for result in results)
    assert len({result["pid"] for result in results}) == count, "each concurrent invoke has its own worker"


def test_given_the_start_up_banner_when_reading_it_then_it_says_where_what_store_and_that_it_is_in_memory(
    fixture_api: LocalApi,
) -> None:
    banner = fixture_api.output
    assert f"listening on {fixture_api.base_url}" in banner
    assert "GET    /echo -> EchoFunction" in banner
    assert "embedded DynamoDB (moto, in memory: data is gone when it stops); tables: Table" in banner


# -- reload and shutdown ---------------------------------------------------------------------------


def test_given_a_code_edit_when_the_next_request_comes_then_it_runs_the_new_code_without_a_restart(
    tmp_path: Path,
) -> None:
    app = tmp_path / "app"
    shutil.copytree(FIXTURE_APP, app)
    api = LocalApi("--template", str(app / "template.yaml"))
    try:
        assert echo(api)["version"] == 1
        handler = app / "functions" / "echo" / "app.py"
        handler.write_text(handler.read_text().replace("VERSION = 1", "VERSION = 2"))
        layer = app / "layers" / "shared" / "shared_lib.py"
        layer.write_text("LAYER_VERSION = 2\n")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and (echo(api)["version"], echo(api)["layer"]) != (2, 2):
            time.sleep(0.2)
        assert (echo(api)["version"], echo(api)["layer"]) == (2, 2)
        assert api.wait_for("reloaded .*EchoFunction") is not None
    finally:
        api.stop()


def _stat(process: Path) -> list[str]:
    """/proc/<pid>/stat's fields after the command: state, ppid, pgrp...; [] once it is gone."""
    try:
        return (process / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def _processes() -> Iterator[tuple[int, list[str]]]:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(entry)):
            yield int(entry.name), fields


def _children_of(pid: int) -> set[int]:
    return {child for child, fields in _processes() if int(fields[1]) == pid}


def _running(pid: int) -> bool:
    fields = _stat(Path(f"/proc/{pid}"))
    return bool(fields) and fields[0] != "Z"


def _group(pgid: int) -> list[int]:
    """The running processes of process group `pgid`."""
    return [pid for pid, fields in _processes() if int(fields[2]) == pgid and fields[0] != "Z"]


@pytest.mark.dynamodb_local
def test_given_dynamodb_local_and_warm_workers_when_pressing_ctrl_c_then_nothing_it_started_survives(
    tmp_path: Path,
) -> None:
    require_dynamodb_local()
    api = LocalApi("--dynamodb-local", str(tmp_path / "data"), "--dynamodb-local-port", "0")
    assert f"(persisted in {tmp_path / 'data'})" in api.output
    assert api.request("POST", "/api/v1/instance", {"name": "survivor"}).status == 200
    started = _children_of(api.process.pid)
    assert len(started) >= 2, "DynamoDB Local and at least one worker"
    assert api.stop(signal.SIGINT) == 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_running(pid) for pid in started):
        time.sleep(0.1)
    assert not [pid for pid in started if _running(pid)]

    restarted = LocalApi("--dynamodb-local", str(tmp_path / "data"), "--dynamodb-local-port", "0")
    try:
        assert restarted.request("GET", "/api/v1/instance?name=survivor").status == 200, "data persisted"
    finally:
        restarted.stop()


def test_given_it_was_started_with_sigint_ignored_when_pressing_ctrl_c_then_it_still_stops_everything() -> None:
    api = LocalApi("--template", str(FIXTURE_APP / "template.yaml"), prefix=SIGINT_IGNORED)
    assert echo(api)["version"] == 1
    started = _children_of(api.process.pid)
    assert started, "at least one worker"
    assert api.stop(signal.SIGINT) == 0
    assert "stopping" in api.output
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_running(pid) for pid in started):
        time.sleep(0.1)
    assert not [pid for pid in started if _running(pid)]


@pytest.mark.parametrize(
    "dynamodb_local",
    [pytest.param(False, id="embedded"), pytest.param(True, id="dynamodb_local", marks=pytest.mark.dynamodb_local)],
)
def test_given_a_port_in_use_when_starting_then_one_line_says_so_and_how_to_pick_another_and_nothing_is_left(
    tmp_path: Path, dynamodb_local: bool
) -> None:
    if dynamodb_local:
        require_dynamodb_local()
    store = ["--dynamodb-local", str(tmp_path / "data"), "--dynamodb-local-port", "0"] if dynamodb_local else []
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = subprocess.Popen(
            launch.command(*store, "--port", str(port)),
            cwd=ROOT,
            env=launch.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        stdout, stderr = started.communicate(timeout=120)
    assert started.returncode == 1
    assert stdout == ""
    assert stderr == (
        f"cannot listen on 127.0.0.1:{port}: the port is already in use (another `make run`?); "
        f"choose another with PORT={port + 1} make run\n"
    ), "one line, no traceback"
    assert _group(started.pid) == [], "the store, DynamoDB Local and workers stopped with it"


def test_given_the_make_targets_when_reading_them_then_run_serves_this_module_on_host_and_port() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "$(BIN)/python -m devtools.local_api --host $(HOST) --port $(PORT)" in makefile
    assert "PORT ?= 3000" in makefile
    assert "HOST ?= 127.0.0.1" in makefile


def raw_exchange(api: LocalApi, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are (no client library tidying them) and read one answer."""
    with socket.create_connection((api.host, api.port), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"TRACE /api/v1/instance HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"FOO /api/v1/instance HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /a b/instance HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\n" + b"".join(b"X-H%d: v\r\n" % index for index in range(200)) + b"\r\n",
        b"GET / HTTP/1.1\r\nX-Long: " + b"v" * 70_000 + b"\r\n\r\n",
        b"GET /api/v1/instance?limit=" + b"1" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /echo/x HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 20\r\nConnection: close\r\n\r\n{}",
        b"POST /echo/x HTTP/1.1\r\nContent-Length: -5\r\nConnection: close\r\n\r\n{}",
        b"POST /echo/x HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    ],
    ids=[
        "trace",
        "unknown-method",
        "space-in-path",
        "http-9",
        "200-headers",
        "long-header",
        "long-url",
        "two-lengths",
        "negative-length",
        "length-and-chunked",
    ],
)
def test_given_a_request_http_server_refuses_when_sending_it_then_api_gateways_4xx_in_json(
    fixture_api: LocalApi, request_bytes: bytes
) -> None:
    status, headers, body = raw_exchange(fixture_api, request_bytes)
    assert status == 400
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"message": "Bad Request"}
