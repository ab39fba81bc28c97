"""`apply` converges on the documents: idempotent, minimal, safe under concurrent writers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from instancectl import ApiError, InstanceClient, apply
from instancectl.cli import EXIT_CONFLICT, EXIT_ERROR
from instancectl.documents import parse
from tests.client.conftest import Cli, FakeClock, unique, write_documents
from tests.http.local_api import LocalApi
from tests.http.proxy import Exchange, Forward, InterceptingServer, Reply, forward_all


@pytest.fixture
def recorder(local_api: LocalApi) -> Iterator[InterceptingServer]:
    """A transparent proxy in front of the local API: what the client sent, in order."""
    with InterceptingServer(forward_all, local_api.base_url) as proxy:
        yield proxy


_JSON = (("Content-Type", "application/json"),)


def _put(body: dict[str, Any]) -> Exchange:
    """Another writer's update, sent straight to the API."""
    return Exchange("PUT", "/api/v1/instance", _JSON, json.dumps(body).encode())


def _writes(proxy: InterceptingServer) -> list[Exchange]:
    return [exchange for exchange in proxy.requests() if exchange.method in ("POST", "PUT", "DELETE")]


def test_given_new_documents_when_applying_twice_then_the_second_run_writes_nothing_and_versions_stay(
    recorder: InterceptingServer, local_api: LocalApi, tmp_path: Path
) -> None:
    names = [unique("idem") for _ in range(3)]
    path = write_documents(tmp_path, *({"name": name, "spec": {"image": "nginx:1.27"}} for name in names))
    cli = Cli(recorder.base_url)

    first = cli.json("apply", "-f", str(path))
    stored = {name: local_api.request("GET", f"/api/v1/instance?name={name}").body["data"] for name in names}
    writes_before = len(_writes(recorder))
    second = cli.json("apply", "-f", str(path))

    assert [result["action"] for result in first] == ["created"] * 3
    assert [result["action"] for result in second] == ["unchanged"] * 3
    assert len(_writes(recorder)) == writes_before == 3  # the second run sent GETs only
    for name in names:
        now = local_api.request("GET", f"/api/v1/instance?name={name}").body["data"]
        assert (
            (now["version"], now["updatedAt"])
            == (stored[name]["version"], stored[name]["updatedAt"])
            == (
                1,
                stored[name]["createdAt"],
            )
        )


def test_given_a_changed_field_when_applying_then_only_that_field_is_sent_with_the_version_read(
    recorder: InterceptingServer, tmp_path: Path
) -> None:
    name = unique("minimal")
    cli = Cli(recorder.base_url)
    cli.json("apply", "-f", str(write_documents(tmp_path, {"name": name, "hostIDs": ["h-1"], "shareStorage": True})))
    changed = write_documents(tmp_path, {"name": name, "hostIDs": ["h-1", "h-2"], "shareStorage": True})

    (result,) = cli.json("apply", "-f", str(changed))

    assert result["action"] == "updated"
    assert result["changes"] == [{"field": "hostIDs", "from": ["h-1"], "to": ["h-1", "h-2"]}]
    assert result["instance"]["version"] == 2
    (put,) = recorder.requests("PUT")
    assert put.json == {"name": name, "hostIDs": ["h-1", "h-2"], "version": 1}


def test_given_a_document_naming_some_fields_when_applying_then_the_fields_it_leaves_out_are_kept(
    cli: Cli, tmp_path: Path
) -> None:
    name = unique("partial")
    cli.json("create", "-f", "-", stdin=f"name: {name}\nhostIDs: [h-9]\nshareStorage: true\n")
    (result,) = cli.json("apply", "-f", "-", stdin=f"name: {name}\nspec: {{image: 'nginx:1.27'}}\n")
    assert result["instance"]["hostIDs"] == ["h-9"]
    assert result["instance"]["shareStorage"] is True
    assert result["instance"]["spec"] == {"image": "nginx:1.27"}


def test_given_a_dry_run_when_applying_then_the_api_answers_each_write_and_nothing_is_written(
    recorder: InterceptingServer, local_api: LocalApi, tmp_path: Path
) -> None:
    existing, missing = unique("dry"), unique("dry-new")
    local_api.request("POST", "/api/v1/instance", {"name": existing, "spec": {"image": "nginx:1.26"}})
    path = write_documents(tmp_path, {"name": existing, "spec": {"image": "nginx:1.27"}}, {"name": missing})

    results = Cli(recorder.base_url).json("apply", "-f", str(path), "--dry-run")

    assert [(result["action"], result["dryRun"]) for result in results] == [("updated", True), ("created", True)]
    assert results[0]["changes"] == [{"field": "spec", "from": {"image": "nginx:1.26"}, "to": {"image": "nginx:1.27"}}]
    assert (results[0]["instance"]["spec"], results[0]["instance"]["version"]) == ({"image": "nginx:1.27"}, 2)
    assert (results[1]["instance"]["version"], results[1]["instance"]["labels"]) == (1, {}), "the API's answer"
    writes = _writes(recorder)
    assert [(exchange.method, exchange.target.endswith("?dryRun=true")) for exchange in writes] == [
        ("PUT", True),
        ("POST", True),
    ], "every write the apply would make, sent as a dry run"
    assert writes[1].header("Idempotency-Key") is None, "a dry run records no key: none is sent"
    assert local_api.request("GET", f"/api/v1/instance?name={missing}").status == 404
    assert local_api.request("GET", f"/api/v1/instance?name={existing}").body["data"]["version"] == 1
    table = Cli(recorder.base_url)("apply", "-f", str(path), "--dry-run", "-o", "table").stdout
    assert 'updated (dry run)  2        spec: {"image": "nginx:1.26"} -> {"image": "nginx:1.27"}' in table


def test_given_a_dry_run_of_a_write_the_api_refuses_when_applying_then_the_api_s_error_is_reported(
    cli: Cli, tmp_path: Path
) -> None:
    """What only the API checks (here, a label value YAML read as a boolean) fails the dry run as it
    would fail the apply: a plan that the server's checks would refuse is not a plan."""
    path = write_documents(tmp_path, {"name": unique("refused"), "labels": {"canary": True}})
    result = cli("apply", "-f", str(path), "--dry-run")
    assert result.exit_code == 1
    assert "Invalid: labels.canary must be a string" in result.stderr
    planned = cli("diff", "-f", str(path))
    assert planned.exit_code == 1, "diff, reads only, plans it"


def test_given_a_directory_when_applying_then_every_yaml_and_json_file_is_applied_in_name_order(
    cli: Cli, tmp_path: Path
) -> None:
    names = [unique("dir") for _ in range(3)]
    (tmp_path / "b.json").write_text(json.dumps({"name": names[1]}), encoding="utf-8")
    (tmp_path / "a.yaml").write_text(f"name: {names[0]}\n", encoding="utf-8")
    (tmp_path / "c.yml").write_text(f"items:\n- name: {names[2]}\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not an instance", encoding="utf-8")
    results = cli.json("apply", "-f", str(tmp_path))
    assert [result["instance"]["name"] for result in results] == names


def test_given_an_instance_printed_as_yaml_when_applying_it_back_then_nothing_changes(cli: Cli) -> None:
    name = unique("roundtrip")
    cli.json("create", "-f", "-", stdin=f"name: {name}\nhostIDs: [h-1]\n")
    exported = cli("get", name, "-o", "yaml").stdout  # version and timestamps included
    (result,) = cli.json("apply", "-f", "-", stdin=exported)
    assert (result["action"], result["instance"]["version"]) == ("unchanged", 1)


def _apply_racing(
    local_api: LocalApi, stored: dict[str, Any], document: str, on_put: Callable[[Exchange, Forward, int], Reply]
) -> tuple[Result, list[Exchange]]:
    """`instancectl apply` of `document`, through a proxy where `on_put(put, forward, n)` answers the
    n-th PUT (another writer can act first); `stored` is created beforehand."""
    local_api.request("POST", "/api/v1/instance", stored)
    puts: list[Exchange] = []

    def decide(exchange: Exchange, forward: Forward) -> Reply:
        if exchange.method != "PUT":
            return forward(exchange)
        puts.append(exchange)
        return on_put(exchange, forward, len(puts))

    with InterceptingServer(decide, local_api.base_url) as proxy:
        return Cli(proxy.base_url)("apply", "-f", "-", stdin=document), puts


def test_given_a_concurrent_writer_between_read_and_write_when_applying_then_it_rereads_and_converges(
    local_api: LocalApi,
) -> None:
    name = unique("race")

    def writer_gets_in_first(put: Exchange, forward: Forward, count: int) -> Reply:
        if count == 1:  # another pipeline's write lands between this apply's first GET and its PUT
            forward(_put({"name": name, "shareStorage": True}))
        return forward(put)

    stored = {"name": name, "spec": {"image": "nginx:1.26"}}
    result, puts = _apply_racing(
        local_api, stored, f"name: {name}\nspec: {{image: 'nginx:1.27'}}\n", writer_gets_in_first
    )

    assert result.exit_code == 0, result.stderr
    assert "Conflict" in result.stderr
    assert "reading it again" in result.stderr
    assert [put.json["version"] for put in puts] == [1, 2]  # stale, then the version re-read
    stored = local_api.request("GET", f"/api/v1/instance?name={name}").body["data"]
    assert stored["spec"] == {"image": "nginx:1.27"}  # the document's change applied
    assert stored["shareStorage"] is True  # and the other writer's change kept
    assert stored["version"] == 3


def test_given_a_writer_that_always_gets_in_first_when_applying_then_it_gives_up_after_the_bound_with_409(
    local_api: LocalApi, fake_clock: FakeClock, tmp_path: Path
) -> None:
    name = unique("contended")
    local_api.request("POST", "/api/v1/instance", {"name": name})

    def writer_always_first(exchange: Exchange, forward: Forward) -> Reply:
        if exchange.method == "PUT":
            forward(_put({"name": name, "shareStorage": len(proxy.requests("PUT")) % 2 == 0}))
        return forward(exchange)

    (document,) = parse(f"name: {name}\nhostIDs: [h-1]\n", "test")
    with (
        InterceptingServer(writer_always_first, local_api.base_url) as proxy,
        InstanceClient(proxy.base_url, retry=fake_clock.policy()) as client,
        pytest.raises(ApiError) as raised,
    ):
        apply(client, document, conflict_attempts=4)

    assert (raised.value.status, raised.value.reason) == (409, "Conflict")
    assert len(proxy.requests("PUT")) == 4  # four attempts, each beaten by the other writer
    assert len(fake_clock.waits) == 3  # a backoff between attempts, none after the last


def test_given_a_contended_apply_from_the_cli_when_it_gives_up_then_exit_is_4(local_api: LocalApi) -> None:
    name = unique("contended-cli")

    def conflict_always(put: Exchange, forward: Forward, count: int) -> Reply:
        return Reply.envelope(409, "Conflict", f"instance '{name}' is at version 9, not 1")

    result, puts = _apply_racing(local_api, {"name": name}, f"name: {name}\nhostIDs: [h-1]\n", conflict_always)
    assert result.exit_code == EXIT_CONFLICT
    assert f"error: <stdin>#1 ({name}): Conflict: instance '{name}' is at version 9, not 1 (requestId " in result.stderr
    assert len(puts) == 5  # the CLI's bound


def test_given_an_instance_deleted_between_read_and_write_when_applying_then_it_is_created_again(
    local_api: LocalApi,
) -> None:
    name = unique("vanish")

    def deleter_gets_in_first(put: Exchange, forward: Forward, count: int) -> Reply:
        if count == 1:
            forward(Exchange("DELETE", f"/api/v1/instance?name={name}", ()))
        return forward(put)

    result, _ = _apply_racing(local_api, {"name": name}, f"name: {name}\nhostIDs: [h-1]\n", deleter_gets_in_first)
    assert result.exit_code == 0
    assert f"NotFound: instance '{name}' not found; reading it again" in result.stderr
    assert [(r["action"], r["instance"]["hostIDs"]) for r in json.loads(result.stdout)] == [("created", ["h-1"])]


def test_given_another_writer_creating_the_name_first_when_applying_then_it_rereads_and_updates(
    local_api: LocalApi,
) -> None:
    name = unique("first")
    other_writer = {"name": name, "shareStorage": True}

    def creator_gets_in_first(exchange: Exchange, forward: Forward) -> Reply:
        if exchange.method == "POST" and len(proxy.requests("POST")) == 1:
            forward(replace(exchange, body=json.dumps(other_writer).encode(), headers=_JSON))
        return forward(exchange)

    with InterceptingServer(creator_gets_in_first, local_api.base_url) as proxy:
        result = Cli(proxy.base_url)("apply", "-f", "-", stdin=f"name: {name}\nhostIDs: [h-1]\n")
    assert result.exit_code == 0, result.stderr
    assert "AlreadyExists" in result.stderr
    (outcome,) = json.loads(result.stdout)
    assert outcome["action"] == "updated"
    assert (outcome["instance"]["hostIDs"], outcome["instance"]["shareStorage"]) == (["h-1"], True)


def test_given_a_name_taken_where_this_path_cannot_see_it_when_applying_then_409_is_final_at_once(
    fake_clock: FakeClock,
) -> None:
    def taken_elsewhere(exchange: Exchange, forward: Forward) -> Reply:
        if exchange.method == "GET":
            return Reply.envelope(404, "NotFound", "instance 'web-1' not found")
        return Reply.envelope(409, "AlreadyExists", "instance 'web-1' already exists")

    (document,) = parse("name: web-1\nnamespace: team-a\n", "test")
    with (
        InterceptingServer(taken_elsewhere) as server,
        InstanceClient(server.base_url, retry=fake_clock.policy()) as client,
        pytest.raises(ApiError, match="AlreadyExists"),
    ):
        apply(client, document)
    assert [exchange.method for exchange in server.requests()] == ["GET", "POST", "GET"]
    assert fake_clock.waits == []


def test_given_a_namespace_option_that_contradicts_a_document_when_applying_then_exit_1_before_any_request(
    recorder: InterceptingServer,
) -> None:
    result = Cli(recorder.base_url)("apply", "-f", "-", "-n", "team-b", stdin="name: x\nnamespace: team-a\n")
    assert result.exit_code == EXIT_ERROR
    assert "namespace 'team-a' is not --namespace 'team-b'" in result.stderr
    assert recorder.requests() == []


def test_given_a_document_without_a_name_when_applying_then_exit_1(recorder: InterceptingServer) -> None:
    result = Cli(recorder.base_url)("apply", "-f", "-", stdin="hostIDs: [h-1]\n")
    assert result.exit_code == EXIT_ERROR
    assert "apply needs a name" in result.stderr
    assert recorder.requests() == []


def test_given_namespaced_routes_when_applying_documents_with_a_namespace_then_only_its_path_is_used(
    recorder: InterceptingServer, tmp_path: Path
) -> None:
    namespace, name = unique("ns"), unique("nsapply")
    path = write_documents(tmp_path, {"name": name, "namespace": namespace, "hostIDs": ["h-1"]})
    cli = Cli(recorder.base_url)
    assert [r["action"] for r in cli.json("apply", "-f", str(path))] == ["created"]
    assert [r["action"] for r in cli.json("apply", "-f", str(path))] == ["unchanged"]
    assert {exchange.path for exchange in recorder.requests()} == {f"/api/v1/namespaces/{namespace}/instance"}
