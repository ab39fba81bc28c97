"""README's "Try it" block and docs/host-agents.md's host agent are run as written against a fresh `make run` server."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devtools.template import ROOT
from tests.http.local_api import LocalApi
from tests.support import marked, require

VARYING = {"createdAt", "updatedAt", "requestId"}


def try_it_steps() -> list[tuple[str, Path, str]]:
    """(command, working directory, expected output) for each `$ curl` line of the block."""
    lines = [line for line in marked("README.md", "try-it").splitlines() if line and not line.startswith("```")]
    steps, cwd = [], ROOT
    for index, line in enumerate(lines):
        if line.startswith("$ cd "):
            cwd = ROOT / line.removeprefix("$ cd ")
        elif line.startswith("$ "):
            steps.append((line.removeprefix("$ "), cwd, lines[index + 1]))
    return steps


def normalised(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: "<varies>" if key in VARYING else normalised(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalised(item) for item in value]
    return value


@pytest.fixture(scope="module")
def fresh_api() -> Iterator[LocalApi]:
    api = LocalApi()
    yield api
    api.stop()


def test_given_the_readme_when_running_its_try_it_commands_in_order_then_each_answers_as_documented(
    fresh_api: LocalApi,
) -> None:
    steps = try_it_steps()
    assert len(steps) >= 8
    assert [command for command, _, _ in steps[:1]] == [
        "curl -X POST -H 'Content-Type: application/json' -d@create.json 127.0.0.1:3000/api/v1/instance"
    ], "the seed's create command, verbatim"
    for command, cwd, expected in steps:
        assert shlex.split(command)[0] == "curl"
        runnable = re.sub(r"127\.0\.0\.1:3000", f"{fresh_api.host}:{fresh_api.port}", command)
        result = subprocess.run(["bash", "-c", runnable], cwd=cwd, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert normalised(json.loads(result.stdout)) == normalised(json.loads(expected)), command


def code_block(document: str, marker: str) -> str:
    """The code inside a page's `<!-- marker:start -->` ... `<!-- marker:end -->` fence."""
    return "\n".join(line for line in marked(document, marker).splitlines() if not line.startswith("```"))


def test_given_the_documented_host_agent_when_asking_what_runs_on_a_host_then_it_lists_every_page(
    fresh_api: LocalApi,
) -> None:
    require("host agent", None if shutil.which("jq") else "jq is not installed", "REQUIRE_JQ")
    names = [f"agent-{number}" for number in range(5)]
    for name in names:
        fresh_api.request("POST", "/api/v1/instance", {"name": name, "hostIDs": ["host-a", "host-z"]})
    fresh_api.request("POST", "/api/v1/instance", {"name": "elsewhere", "hostIDs": ["host-b"]})
    script = code_block("docs/host-agents.md", "host-agent").replace(
        "127.0.0.1:3000", f"{fresh_api.host}:{fresh_api.port}"
    )
    script = script.replace("limit=500", "limit=2")  # the same loop, over three pages
    deadline = time.monotonic() + 10
    while True:
        result = subprocess.run(["bash", "-c", f"{script}\ndesired"], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        listed = [json.loads(line)["name"] for line in result.stdout.splitlines()]
        if len(listed) >= len(names) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert listed == names
