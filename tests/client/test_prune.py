"""`apply --prune --namespace NS --selector SEL` and `diff --prune`: what a namespace holds under a
selector and no document names is deleted, each at the version it was listed at (a change since
is a 409, reported), never anything of another namespace or outside the selector; and without
both a namespace and a selector, prune is a usage error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from instancectl.cli import EXIT_CONFLICT, EXIT_DIFFERS, EXIT_ERROR, EXIT_OK, EXIT_USAGE
from tests.client.conftest import Cli, unique, write_documents
from tests.http.local_api import LocalApi
from tests.http.proxy import Exchange, Forward, InterceptingServer, Reply, forward_all


@pytest.fixture
def recorder(local_api: LocalApi) -> Iterator[InterceptingServer]:
    with InterceptingServer(forward_all, local_api.base_url) as proxy:
        yield proxy


def _create(local_api: LocalApi, name: str, namespace: str, labels: dict[str, str]) -> None:
    created = local_api.request("POST", "/api/v1/instance", {"name": name, "namespace": namespace, "labels": labels})
    assert created.status == 200, created.raw


def _exists(local_api: LocalApi, name: str) -> bool:
    return local_api.request("GET", f"/api/v1/instance?name={name}").status == 200


@pytest.fixture
def team(local_api: LocalApi, tmp_path: Path) -> dict[str, Any]:
    """A namespace holding two named instances and a stale one under app=web, one under app=api,
    another namespace's instance under app=web; and the documents naming the first two."""
    namespace, other = unique("team"), unique("other")
    names = {role: unique(role) for role in ("kept", "also-kept", "stale", "api", "elsewhere")}
    for role in ("kept", "also-kept", "stale"):
        _create(local_api, names[role], namespace, {"app": "web"})
    _create(local_api, names["api"], namespace, {"app": "api"})
    _create(local_api, names["elsewhere"], other, {"app": "web"})
    documents = [{"name": names[role], "labels": {"app": "web"}} for role in ("kept", "also-kept")]
    return {"namespace": namespace, "names": names, "path": write_documents(tmp_path, *documents)}


def test_given_a_stale_instance_when_applying_with_prune_then_only_it_is_deleted_at_its_version(
    recorder: InterceptingServer, local_api: LocalApi, team: dict[str, Any]
) -> None:
    names = team["names"]
    arguments = ("apply", "-f", str(team["path"]), "-n", team["namespace"], "--prune", "--selector", "app=web")
    results = Cli(recorder.base_url).json(*arguments)
    assert [(result["action"], result["instance"]["name"]) for result in results] == [
        ("unchanged", names["kept"]),
        ("unchanged", names["also-kept"]),
        ("pruned", names["stale"]),
    ]
    assert not _exists(local_api, names["stale"])
    for role in ("kept", "also-kept", "api", "elsewhere"):
        assert _exists(local_api, names[role]), f"{role} must stay"
    (deleted,) = recorder.requests("DELETE")
    assert deleted.path == f"/api/v1/namespaces/{team['namespace']}/instance", "on the namespace's own path"
    assert deleted.json == {"name": names["stale"], "version": 1}, "at the version it was listed at"
    (listing,) = [exchange for exchange in recorder.requests("GET") if "labelSelector" in exchange.query]
    assert listing.query["labelSelector"] == ["app=web"]
    again = Cli(recorder.base_url).json(*arguments)
    assert [result["action"] for result in again] == ["unchanged", "unchanged"], "nothing left to prune"


def test_given_a_change_after_the_listing_when_pruning_then_409_reported_and_the_instance_kept(
    local_api: LocalApi, team: dict[str, Any]
) -> None:
    stale = team["names"]["stale"]

    def another_writer_first(exchange: Exchange, forward: Forward) -> Reply | None:
        if exchange.method == "DELETE":
            local_api.request("PUT", "/api/v1/instance", {"name": stale, "hostIDs": ["h-new"]})
        return forward(exchange)

    with InterceptingServer(another_writer_first, local_api.base_url) as proxy:
        result = Cli(proxy.base_url)(
            "apply", "-f", str(team["path"]), "-n", team["namespace"], "--prune", "-l", "app=web", "-o", "json"
        )
    assert result.exit_code == EXIT_CONFLICT, result.stderr
    assert f"prune {stale}: Conflict: instance '{stale}' is at version 2, not 1" in result.stderr
    assert _exists(local_api, stale), "the newer write is not lost"
    assert [row["action"] for row in json.loads(result.stdout)] == ["unchanged", "unchanged"]


def test_given_a_dry_run_with_prune_when_applying_then_each_delete_is_only_tried(
    recorder: InterceptingServer, local_api: LocalApi, team: dict[str, Any]
) -> None:
    arguments = ("apply", "-f", str(team["path"]), "-n", team["namespace"], "--prune", "-l", "app=web", "--dry-run")
    results = Cli(recorder.base_url).json(*arguments)
    assert [(result["action"], result["dryRun"]) for result in results][-1] == ("pruned", True)
    (delete,) = recorder.requests("DELETE")
    assert delete.query == {"dryRun": ["true"]}
    assert _exists(local_api, team["names"]["stale"])


def test_given_a_stale_instance_when_diffing_with_prune_then_exit_1_showing_its_deletion_and_only_reads(
    recorder: InterceptingServer, local_api: LocalApi, team: dict[str, Any]
) -> None:
    stale = team["names"]["stale"]
    result = Cli(recorder.base_url)(
        "diff", "-f", str(team["path"]), "-n", team["namespace"], "--prune", "-l", "app=web"
    )
    assert result.exit_code == EXIT_DIFFERS, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == [f"--- {stale} (the API's, version 1)", f"+++ {stale} (pruned)"]
    assert f"-name: {stale}" in lines
    assert {exchange.method for exchange in recorder.requests()} == {"GET"}
    assert _exists(local_api, stale)
    clean = Cli(recorder.base_url)("diff", "-f", str(team["path"]), "-n", team["namespace"], "--prune", "-l", "app=api")
    assert clean.exit_code == EXIT_DIFFERS, "app=api's instance is not named: it would go"
    none = Cli(recorder.base_url)("diff", "-f", str(team["path"]), "-n", team["namespace"], "--prune", "-l", "app=db")
    assert (none.exit_code, none.stdout) == (EXIT_OK, "")


@pytest.mark.parametrize(
    "options",
    [
        ("--prune",),
        ("--prune", "-n", "team-a"),
        ("--prune", "-l", "app=web"),
        ("--prune", "-n", "team-a", "-l", " "),
        ("-l", "app=web", "-n", "team-a"),
    ],
)
@pytest.mark.parametrize("command", ["apply", "diff"])
def test_given_prune_without_a_namespace_and_a_selector_when_running_then_usage_error_and_nothing_sent(
    recorder: InterceptingServer, tmp_path: Path, command: str, options: tuple[str, ...]
) -> None:
    path = write_documents(tmp_path, {"name": unique("usage")})
    result = Cli(recorder.base_url)(command, "-f", str(path), *options)
    assert result.exit_code == EXIT_USAGE == 2
    assert "--prune" in result.stderr or "--selector" in result.stderr
    assert recorder.requests() == []


def test_given_a_document_that_fails_when_applying_with_prune_then_nothing_is_pruned(
    local_api: LocalApi, team: dict[str, Any], tmp_path: Path
) -> None:
    documents = [{"name": team["names"]["kept"]}, {"name": unique("bad"), "spec": {"image": "Not A Reference"}}]
    path = write_documents(tmp_path, *documents, name="broken.yaml")
    result = Cli(local_api.base_url)("apply", "-f", str(path), "-n", team["namespace"], "--prune", "-l", "app=web")
    assert result.exit_code == EXIT_ERROR
    assert "not pruning: not every document was applied" in result.stderr
    assert _exists(local_api, team["names"]["stale"])


def test_given_a_selector_the_api_refuses_when_pruning_then_its_error_and_nothing_deleted(
    local_api: LocalApi, team: dict[str, Any]
) -> None:
    result = Cli(local_api.base_url)(
        "apply", "-f", str(team["path"]), "-n", team["namespace"], "--prune", "-l", "app in (web"
    )
    assert result.exit_code == EXIT_ERROR
    assert "prune: Invalid: labelSelector at character 12" in result.stderr
    assert _exists(local_api, team["names"]["stale"])


def test_given_a_listing_that_answers_another_namespace_when_pruning_then_nothing_is_deleted(
    local_api: LocalApi, team: dict[str, Any]
) -> None:
    """A server (or a proxy) that answers another namespace's instance to a namespace's listing is
    not the API: prune deletes nothing rather than trust it."""

    def leaky(exchange: Exchange, forward: Forward) -> Reply | None:
        reply = forward(exchange)
        if exchange.method == "GET" and "labelSelector" in exchange.query:
            body = reply.json
            body["data"]["items"].append({"name": team["names"]["elsewhere"], "namespace": "other", "version": 1})
            return Reply(reply.status, json.dumps(body).encode(), reply.headers)
        return reply

    with InterceptingServer(leaky, local_api.base_url) as proxy:
        result = Cli(proxy.base_url)("apply", "-f", str(team["path"]), "-n", team["namespace"], "--prune", "-l", "app")
        assert proxy.requests("DELETE") == []
    assert result.exit_code == EXIT_ERROR
    assert "answered instances of 'other': pruning nothing" in result.stderr
    assert _exists(local_api, team["names"]["elsewhere"])
