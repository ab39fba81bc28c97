"""`instancectl diff -f`: what apply would change, never written; kubectl diff's exit statuses
(0 the same, 1 different, above 1 an error: 6 where other commands exit 1)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from instancectl.cli import EXIT_CODES, EXIT_DIFF_ERROR, EXIT_DIFFERS, EXIT_OK, EXIT_UNAVAILABLE, EXIT_USAGE
from tests.client.conftest import Cli, unique, write_documents
from tests.http.local_api import LocalApi
from tests.http.proxy import Exchange, Forward, InterceptingServer, Reply, forward_all


@pytest.fixture
def recorder(local_api: LocalApi) -> Iterator[InterceptingServer]:
    with InterceptingServer(forward_all, local_api.base_url) as proxy:
        yield proxy


def _writes(proxy: InterceptingServer) -> list[str]:
    return [exchange.method for exchange in proxy.requests() if exchange.method != "GET"]


def test_given_documents_the_api_already_holds_when_diffing_then_exit_0_and_nothing_is_printed(
    cli: Cli, recorder: InterceptingServer, tmp_path: Path
) -> None:
    path = write_documents(tmp_path, {"name": unique("same"), "hostIDs": ["h-1"]}, {"name": unique("same")})
    cli.json("apply", "-f", str(path))
    result = Cli(recorder.base_url)("diff", "-f", str(path))
    assert (result.exit_code, result.stdout, result.stderr) == (EXIT_OK, "", "")
    assert _writes(recorder) == []


def test_given_a_changed_field_when_diffing_then_exit_1_with_a_unified_diff_and_nothing_is_written(
    cli: Cli, recorder: InterceptingServer, tmp_path: Path
) -> None:
    name = unique("changed")
    cli.json("apply", "-f", str(write_documents(tmp_path, {"name": name, "spec": {"image": "web:1"}})))
    path = write_documents(tmp_path, {"name": name, "spec": {"image": "web:2"}, "hostIDs": ["h-1"]})

    result = Cli(recorder.base_url)("diff", "-f", str(path))

    assert result.exit_code == EXIT_DIFFERS == 1, result.stderr
    assert result.stdout.splitlines() == [
        f"--- {name} (the API's, version 1)",
        f"+++ {name} (after apply)",
        "@@ -1,7 +1,8 @@",
        f" name: {name}",
        " namespace: default",
        " spec:",
        "-  image: web:1",
        "+  image: web:2",
        " shareStorage: false",
        "-hostIDs: []",
        "+hostIDs:",
        "+- h-1",
        " labels: {}",
    ]
    assert _writes(recorder) == []
    assert cli.json("get", name)["version"] == 1


def test_given_an_absent_instance_when_diffing_then_every_line_is_added_and_json_says_created(
    recorder: InterceptingServer, tmp_path: Path
) -> None:
    name = unique("absent")
    path = write_documents(tmp_path, {"name": name, "shareStorage": True})
    shown = Cli(recorder.base_url)("diff", "-f", str(path))
    as_json = Cli(recorder.base_url)("diff", "-f", str(path), "-o", "json")
    assert shown.exit_code == as_json.exit_code == EXIT_DIFFERS
    assert shown.stdout.splitlines()[:3] == [f"--- {name} (absent)", f"+++ {name} (after apply)", "@@ -0,0 +1,2 @@"]
    assert shown.stdout.splitlines()[3:] == [f"+name: {name}", "+shareStorage: true"]
    (planned,) = json.loads(as_json.stdout)
    assert (planned["action"], planned["dryRun"], planned["instance"]["name"]) == ("created", True, name)
    assert _writes(recorder) == []


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply.envelope(403, "Forbidden", "User is not authorized"), EXIT_DIFF_ERROR),
        (Reply.envelope(500, "InternalError", "Internal server error"), EXIT_DIFF_ERROR),
        (Reply.envelope(503, "Unavailable", "try later"), EXIT_UNAVAILABLE),
        (Reply(200, b"<html>not the API</html>"), EXIT_DIFF_ERROR),
    ],
)
def test_given_an_error_when_diffing_then_the_status_is_above_1(reply: Reply, expected: int) -> None:
    with InterceptingServer(lambda exchange, forward: reply) as server:
        result = Cli(server.base_url)("diff", "-f", "-", "--max-attempts", "1", stdin="name: web-1\n")
        assert [exchange.method for exchange in server.requests()] == ["GET"]
    assert result.exit_code == expected > 1
    assert result.stderr.startswith("error: ")


@pytest.mark.parametrize(
    ("arguments", "stdin", "expected"),
    [
        (["diff", "-f", "-"], "name: web-1\ncolour: blue\n", EXIT_DIFF_ERROR),
        (["diff", "-f", "-"], "name: web-1\n---\nname: web-1\n", EXIT_DIFF_ERROR),
        (["diff", "-f", "-", "--endpoint", "ftp://nowhere"], "name: web-1\n", EXIT_DIFF_ERROR),
        (["diff", "-f", "-", "-n", ".."], "name: web-1\n", EXIT_DIFF_ERROR),
        (["diff"], "", EXIT_USAGE),
        (["diff", "-f", "/no/such/dir"], "", EXIT_USAGE),
        (["diff", "-f", "-", "-o", "table", "--endpoint", "http://127.0.0.1:9", "--max-attempts", "1"], "name: a\n", 5),
    ],
)
def test_given_a_usage_document_or_configuration_error_when_diffing_then_the_status_is_above_1(
    arguments: list[str], stdin: str, expected: int
) -> None:
    result = Cli("http://127.0.0.1:9")(*arguments, stdin=stdin)
    assert result.exit_code == expected > 1, result.stderr
    assert result.stdout == ""


def test_given_one_document_that_differs_and_one_that_fails_when_diffing_then_the_error_status_wins(
    local_api: LocalApi, tmp_path: Path
) -> None:
    differs = unique("differs")

    def refuse_one(exchange: Exchange, forward: Forward) -> Reply:
        if exchange.query.get("name") == ["refused-1"]:
            return Reply.envelope(403, "Forbidden", "not for you")
        return forward(exchange)

    path = write_documents(tmp_path, {"name": differs}, {"name": "refused-1"})
    with InterceptingServer(refuse_one, local_api.base_url) as server:
        result = Cli(server.base_url)("diff", "-f", str(path))
    assert result.exit_code == EXIT_DIFF_ERROR
    assert f"+name: {differs}" in result.stdout
    assert "refused-1" in result.stderr


def test_given_the_exit_statuses_when_listed_then_diffs_own_meanings_are_documented() -> None:
    assert "diff: something differs" in EXIT_CODES[EXIT_DIFFERS]
    assert EXIT_CODES[EXIT_DIFF_ERROR].startswith("diff only")
    assert "diff: nothing differs" in EXIT_CODES[EXIT_OK]
