"""Every command and exit status of `instancectl`, against the local API (`make run`'s server)."""

from __future__ import annotations

import json
import re
import socket
import time
from pathlib import Path

import pytest
import yaml

from instancectl.cli import EXIT_CODES, EXIT_CONFLICT, EXIT_ERROR, EXIT_NOT_FOUND, EXIT_UNAVAILABLE, EXIT_USAGE
from tests.client.conftest import Cli, unique, write_documents
from tests.http.local_api import LocalApi

REQUEST_ID = re.compile(r"\(requestId [0-9a-f-]{36}\)")


def _create(cli: Cli, tmp_path: Path, **fields: object) -> dict[str, object]:
    created: dict[str, object] = cli.json("create", "-f", str(write_documents(tmp_path, dict(fields))))
    return created


def test_given_an_instance_when_getting_it_then_stdout_is_the_instance_as_json_without_the_envelope(
    cli: Cli, tmp_path: Path
) -> None:
    name = unique("get")
    _create(cli, tmp_path, name=name, hostIDs=["h-1"])
    instance = cli.json("get", name)
    assert instance["name"] == name
    assert instance["hostIDs"] == ["h-1"]
    assert instance["version"] == 1
    assert set(instance) == {
        "name",
        "namespace",
        "spec",
        "shareStorage",
        "hostIDs",
        "labels",
        "version",
        "createdAt",
        "updatedAt",
        "status",
    }
    assert instance["status"]["hosts"] == [
        {"hostID": "h-1", "state": "Unknown", "observedVersion": None, "message": None, "reportedAt": None}
    ]


def test_given_no_such_instance_when_getting_it_then_exit_3_and_stderr_names_the_reason_and_request_id(
    cli: Cli,
) -> None:
    result = cli("get", unique("absent"))
    assert result.exit_code == EXIT_NOT_FOUND == 3
    assert result.stdout == ""
    assert result.stderr.startswith("error: NotFound: instance '")
    assert REQUEST_ID.search(result.stderr)


def test_given_a_field_the_api_refuses_when_creating_then_exit_1_with_the_apis_invalid_fields(cli: Cli) -> None:
    result = cli("create", "-f", "-", stdin=f"name: {unique('refused')}\nhostIDs: ['not a host']\n")
    assert result.exit_code == EXIT_ERROR == 1
    assert "Invalid:" in result.stderr
    assert "\n  hostIDs" in result.stderr  # the details, one line per field
    assert REQUEST_ID.search(result.stderr)


def test_given_a_malformed_name_when_getting_it_then_exit_1_and_no_request_is_made() -> None:
    result = Cli("http://127.0.0.1:9")("get", "Not_A_Label")  # nothing listens there: a request would be exit 5
    assert result.exit_code == EXIT_ERROR == 1
    assert result.stderr.startswith("error: Invalid: name 'Not_A_Label' must be a DNS-1123 label")


def test_given_instances_when_listing_one_page_then_stdout_is_items_and_next_token(cli: Cli, tmp_path: Path) -> None:
    for _ in range(3):
        _create(cli, tmp_path, name=unique("page"))
    page = cli.json("list", "--limit", "2")
    assert set(page) == {"items", "nextToken"}
    assert len(page["items"]) == 2
    assert isinstance(page["nextToken"], str)
    following = cli.json("list", "--limit", "2", "--next-token", page["nextToken"])
    assert {item["name"] for item in following["items"]}.isdisjoint(item["name"] for item in page["items"])


def test_given_more_instances_than_a_page_when_listing_all_then_every_page_is_followed(
    cli: Cli, tmp_path: Path, local_api: LocalApi
) -> None:
    names = {unique("all") for _ in range(5)}
    for name in names:
        _create(cli, tmp_path, name=name)
    listing = cli.json("list", "--all", "--limit", "2")
    assert listing["nextToken"] is None
    listed = [item["name"] for item in listing["items"]]
    assert names <= set(listed)
    assert len(listed) == len(set(listed))
    everything = local_api.request("GET", "/api/v1/instance?limit=500").body["data"]
    assert everything["nextToken"] is None
    assert set(listed) >= {item["name"] for item in everything["items"]} - {"test"}


def test_given_a_limit_the_api_refuses_when_listing_then_exit_1_with_the_apis_message(cli: Cli) -> None:
    result = cli("list", "--limit", "0")
    assert result.exit_code == EXIT_ERROR
    assert "error: Invalid:" in result.stderr


def test_given_a_document_when_creating_it_then_exit_0_and_creating_its_name_again_is_exit_4_already_exists(
    cli: Cli, tmp_path: Path
) -> None:
    name = unique("create")
    document = write_documents(tmp_path, {"name": name, "spec": {"image": "nginx:1.27"}})
    created = cli.json("create", "-f", str(document))
    assert (created["name"], created["spec"], created["version"]) == (name, {"image": "nginx:1.27"}, 1)
    again = cli("create", "-f", str(document))  # a new Idempotency-Key: a new create, of a taken name
    assert again.exit_code == EXIT_CONFLICT == 4
    assert "AlreadyExists" in again.stderr
    assert REQUEST_ID.search(again.stderr)


def test_given_a_document_without_a_name_when_creating_it_then_the_api_generates_one(cli: Cli) -> None:
    created = cli.json("create", "-f", "-", stdin="hostIDs: [generated-1]\n")
    assert re.fullmatch(r"[bcdfghjklmnpqrstvwxz][bcdfghjklmnpqrstvwxz2456789]{19}", created["name"])


def test_given_several_documents_with_one_invalid_when_creating_then_the_others_are_created_and_exit_is_1(
    cli: Cli, tmp_path: Path
) -> None:
    good, bad = unique("good"), unique("bad")
    path = write_documents(tmp_path, {"name": good}, {"name": bad, "shareStorage": "yes please"})
    result = cli("create", "-f", str(path))
    assert result.exit_code == EXIT_ERROR
    assert json.loads(result.stdout)["name"] == good
    assert f"#2 ({bad}): Invalid:" in result.stderr
    assert cli("get", bad).exit_code == EXIT_NOT_FOUND


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: [unclosed", "not valid YAML"),
        ("name: a\nname: b\n", "repeated key 'name'"),
        ("name: a\nimage: nginx\n", "unknown field(s) image"),
        ("- 1\n- 2\n", "an instance must be a mapping"),
        ("name: 12\n", "name: 12 must be a string"),
        ("", "holds no instance document"),
    ],
)
def test_given_a_document_that_is_not_an_instance_when_creating_then_exit_1_and_nothing_is_sent(
    text: str, message: str, tmp_path: Path
) -> None:
    unreachable = Cli("http://127.0.0.1:9")  # nothing listens there: a request would fail differently
    result = unreachable("create", "-f", "-", stdin=text)
    assert result.exit_code == EXIT_ERROR
    assert message in result.stderr


def test_given_a_stored_instance_when_deleting_it_then_exit_0_and_a_second_delete_is_exit_3(
    cli: Cli, tmp_path: Path
) -> None:
    name = unique("delete")
    _create(cli, tmp_path, name=name)
    assert cli.json("delete", name) == {"name": name}
    again = cli("delete", name)
    assert again.exit_code == EXIT_NOT_FOUND
    assert "NotFound" in again.stderr


def test_given_no_such_instance_when_deleting_with_ignore_not_found_then_exit_0_and_no_output(cli: Cli) -> None:
    result = cli("delete", unique("gone"), "--ignore-not-found")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_given_a_stale_version_when_deleting_then_exit_4_and_the_instance_stays(cli: Cli, tmp_path: Path) -> None:
    name = unique("stale")
    _create(cli, tmp_path, name=name)
    stale = cli("delete", name, "--version", "7")
    assert stale.exit_code == EXIT_CONFLICT
    assert "Conflict" in stale.stderr
    assert cli.json("get", name)["version"] == 1
    assert cli.json("delete", name, "--version", "1") == {"name": name}


def test_given_the_api_is_not_listening_when_calling_then_exit_5_after_the_retries(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free, and closed again below: connections are refused
    result = Cli(f"http://127.0.0.1:{port}")("get", "web-1", "--max-attempts", "2")
    assert result.exit_code == EXIT_UNAVAILABLE == 5
    assert "retrying in" in result.stderr
    assert "error: no answer from" in result.stderr


@pytest.mark.parametrize(
    "arguments",
    [
        ["frobnicate"],
        ["get"],
        ["create"],
        ["apply", "-f", "/no/such/file"],
        ["list", "--limit", "many"],
        ["get", "x", "-o", "xml"],
    ],
)
def test_given_a_usage_error_when_running_then_exit_2(arguments: list[str], cli: Cli) -> None:
    result = cli(*arguments)
    assert result.exit_code == EXIT_USAGE == 2
    assert "Usage:" in result.stderr


def test_given_both_an_endpoint_and_a_stack_when_running_then_exit_2(cli: Cli) -> None:
    result = cli("get", "x", "--endpoint", "http://127.0.0.1:3000", "--stack-name", "s")
    assert result.exit_code == EXIT_USAGE
    assert "not both" in result.stderr


def test_given_help_when_asked_then_it_lists_the_commands_and_every_exit_status(cli: Cli) -> None:
    result = cli("--help")
    assert result.exit_code == 0
    for command in ("get", "list", "create", "apply", "delete"):
        assert re.search(rf"^  {command}\s", result.stdout, re.MULTILINE)
    for code, meaning in EXIT_CODES.items():
        assert f"{code}  {meaning}" in result.stdout


@pytest.mark.parametrize("form", ["json", "yaml", "table", "name"])
def test_given_an_output_format_when_getting_then_stdout_is_in_that_format(form: str, cli: Cli, tmp_path: Path) -> None:
    name = unique("form")
    _create(cli, tmp_path, name=name, spec={"image": "nginx:1.27"}, hostIDs=["h-1", "h-2"])
    stdout = cli("get", name, "-o", form).stdout
    if form in ("json", "yaml"):
        assert yaml.safe_load(stdout)["name"] == name  # JSON is YAML too
    if form == "json":
        assert json.loads(stdout)["hostIDs"] == ["h-1", "h-2"]
        assert "\n" not in stdout.strip()  # one line when stdout is not a terminal
    if form == "table":
        header, row = stdout.splitlines()
        assert header.split() == ["NAME", "NAMESPACE", "IMAGE", "HOSTS", "SHARED", "VERSION"]
        assert row.split() == [name, "default", "nginx:1.27", "h-1,h-2", "false", "1"]
    if form == "name":
        assert stdout == f"{name}\n"


# -- namespaced routes and the host query: they run once the API has them ----------------


def test_given_namespaced_routes_when_using_a_namespace_then_each_command_stays_inside_it(
    cli: Cli, tmp_path: Path
) -> None:
    mine, theirs = unique("ns-a"), unique("ns-b")
    name, other = unique("in-a"), unique("in-b")
    _create(cli, tmp_path, name=name, namespace=mine)
    _create(cli, tmp_path, name=other, namespace=theirs)
    assert cli.json("get", name, "-n", mine)["namespace"] == mine
    assert cli("get", other, "-n", mine).exit_code == EXIT_NOT_FOUND
    assert [item["name"] for item in cli.json("list", "-n", mine, "--all")["items"]] == [name]
    assert cli("delete", other, "-n", mine).exit_code == EXIT_NOT_FOUND
    assert cli.json("delete", name, "-n", mine) == {"name": name}
    assert cli.json("get", other)["version"] == 1


def test_given_the_host_query_when_listing_a_host_then_only_its_instances_are_listed(cli: Cli, tmp_path: Path) -> None:
    host = unique("host")
    on_host, elsewhere = unique("on"), unique("off")
    _create(cli, tmp_path, name=on_host, hostIDs=[host])
    _create(cli, tmp_path, name=elsewhere, hostIDs=[unique("other-host")])
    names: list[str] = []
    for _ in range(25):  # the host index follows the table's stream: visible within 2 s (docs/contract.md)
        names = [item["name"] for item in cli.json("list", "--host", host, "--all")["items"]]
        if names:
            break
        time.sleep(0.2)
    assert names == [on_host]
