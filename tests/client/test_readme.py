"""The client's documented blocks, run as written against a fresh `make run` server: the README's
"From a pipeline" session and its "Closing the loop" (apply, two host agents, wait), and
client/README.md's (the manual's) library snippet and GitHub Actions job.

Every `instancectl` command either file shows is run here: the console blocks step by step
(their answers compared with the real ones), the library snippet, and the workflow's steps as
GitHub runs them (bash -e), whose OIDC set-up is checked too.

The loop needs the host agent routes (docs/contract.md, "Host agents"). It runs twice: against
`make run` (which fails until the server has those routes), and against the client tier's fake
v3 server (tests/client/fake_api.py), so the client's side of it is proven either way.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from devtools.template import ROOT
from tests.client.conftest import CLIENT_SOURCES, start_local_api
from tests.client.fake_api import FakeApi
from tests.http.local_api import LocalApi

DOCUMENTS = (ROOT / "README.md", ROOT / "client" / "README.md")
_COMMAND = re.compile(r"\binstancectl (?:get|list|create|apply|diff|delete|wait|agent)\b[^\n`\";]*")
CONSOLE_BLOCKS = ("instancectl", "instancectl-loop")
# What differs from run to run: these fields in JSON answers, and the same in text (stderr, YAML).
_VARYING_FIELDS = frozenset({"createdAt", "updatedAt", "requestId"})
_VARYING = [
    (re.compile(r"requestId [0-9a-f-]{36}"), "requestId <id>"),
    (re.compile(r"'\d{4}-\d\d-\d\dT[\d:.]+Z'"), "'<time>'"),
]
# How GitHub Actions runs a `run:` step with bash.
_GITHUB_BASH = ("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c")


def block(marker: str) -> str:
    """The fenced block between <!-- marker:start --> and <!-- marker:end --> of the one document
    that has it, without its fences."""
    texts = [text for text in map(_read, DOCUMENTS) if f"<!-- {marker}:start -->" in text]
    assert len(texts) == 1, f"{marker}: in {len(texts)} documents, not one"
    inner = texts[0].split(f"<!-- {marker}:start -->", 1)[1].split(f"<!-- {marker}:end -->", 1)[0]
    return "\n".join(line for line in inner.strip().splitlines()[1:-1]) + "\n"


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def console_steps(marker: str = "instancectl") -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for each `$` line of a console block."""
    steps: list[tuple[str, list[str]]] = []
    for line in block(marker).splitlines():
        if line.startswith("$ "):
            steps.append((line.removeprefix("$ "), []))
        else:
            steps[-1][1].append(line)
    return steps


def workflow() -> dict[Any, Any]:
    document: dict[Any, Any] = yaml.safe_load(block("instancectl-workflow"))
    return document


def workflow_commands() -> list[str]:
    steps = workflow()["jobs"]["apply"]["steps"]
    return [step["run"] for step in steps if str(step.get("run", "")).startswith("instancectl ")]


def _github_step(command: str, environment: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_GITHUB_BASH, command], cwd=cwd, env=environment, capture_output=True, text=True, timeout=120, check=False
    )


def normalised(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: "<varies>" if key in _VARYING_FIELDS else normalised(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalised(item) for item in value]
    return value


def _normalised(lines: list[str]) -> Any:
    text = "\n".join(lines).strip()
    if text.startswith(("{", "[")):
        return normalised(json.loads(text))
    for pattern, replacement in _VARYING:
        text = pattern.sub(replacement, text)
    return text


@pytest.fixture(scope="module")
def fresh_api() -> Iterator[LocalApi]:
    """A server of this module's own, empty: the README's session lists everything there is."""
    api = start_local_api()
    yield api
    api.stop()


def _environment(base_url: str, tmp_path: Path) -> dict[str, str]:
    """An environment where `instancectl` is this checkout's client, calling `base_url`, with the
    README's instances/ directory in the working directory (tmp_path), and agents' state in it."""
    bin_directory = tmp_path / "bin"
    bin_directory.mkdir()
    shim = bin_directory / "instancectl"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m instancectl "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    (tmp_path / "instances").mkdir()
    (tmp_path / "instances" / "web-1.yaml").write_text(block("instancectl-document"), encoding="utf-8")
    return {
        **os.environ,
        "PATH": f"{bin_directory}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": os.pathsep.join([str(CLIENT_SOURCES), os.environ.get("PYTHONPATH", "")]),
        "INSTANCE_API_URL": base_url,
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }


@pytest.fixture
def shell(fresh_api: LocalApi, tmp_path: Path) -> dict[str, str]:
    """`_environment` calling the module's fresh API."""
    for name in ("web-1", "web-2"):  # the README's session makes web-2 itself
        fresh_api.request("DELETE", f"/api/v1/instance?name={name}")
    return _environment(fresh_api.base_url, tmp_path)


def _run(command: str, environment: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`command` as a shell runs it; stdout and stderr together, as a terminal shows them."""
    return subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )


def _run_session(marker: str, environment: dict[str, str], cwd: Path) -> None:
    """Each step of the console block `marker` in order, each answering as the block shows."""
    for command, expected in console_steps(marker):
        result = _run(command, environment, cwd)
        assert result.returncode == 0, f"{command}\n{result.stdout}"
        assert _normalised(result.stdout.splitlines()) == _normalised(expected), command


def test_given_the_readme_when_running_its_instancectl_session_in_order_then_each_answers_as_documented(
    shell: dict[str, str], tmp_path: Path
) -> None:
    assert len(console_steps()) >= 9
    _run_session("instancectl", shell, tmp_path)


def test_given_the_readmes_loop_when_run_against_make_run_then_wait_says_failed_naming_the_host_then_ready(
    tmp_path: Path,
) -> None:
    """Needs the host agent routes on `make run` (issue 21's server side): fails until they land."""
    api = start_local_api()
    try:
        _run_session("instancectl-loop", _environment(api.base_url, tmp_path), tmp_path)
    finally:
        api.stop()


def test_given_the_readmes_loop_when_run_against_the_fake_v3_server_then_wait_says_failed_naming_the_host_then_ready(
    tmp_path: Path,
) -> None:
    fake = FakeApi()
    with fake.serve() as server:
        _run_session("instancectl-loop", _environment(server.base_url, tmp_path), tmp_path)
    assert [fake.reports[("web-1", host)]["state"] for host in ("host-a", "host-b")] == ["Running", "Running"]
    steps = [command for command, _ in console_steps("instancectl-loop")]
    assert [command.split()[1] for command in steps if command.startswith("instancectl ")] == [
        "apply",
        "agent",
        "agent",
        "wait",
        "agent",
        "wait",
    ]


def test_given_the_manual_when_running_its_library_snippet_then_it_applies_and_lists(
    shell: dict[str, str], tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", block("instancectl-library")],
        cwd=tmp_path,
        env=shell,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["created", "['web-1']"]


def test_given_the_manuals_github_actions_job_when_read_then_it_assumes_a_role_by_oidc_and_stores_no_keys() -> None:
    job = workflow()
    assert job["permissions"]["id-token"] == "write"
    steps = job["jobs"]["apply"]["steps"]
    action = "aws-actions/configure-aws-credentials@"
    (credentials,) = [step for step in steps if str(step.get("uses", "")).startswith(action)]
    assert set(credentials["with"]) == {"role-to-assume", "aws-region"}
    assert re.fullmatch(r"arn:aws:iam::\d{12}:role/[\w+=,.@-]+", credentials["with"]["role-to-assume"])
    assert not re.search(r"aws-access-key-id|aws-secret-access-key|secrets\.", block("instancectl-workflow"))
    assert workflow_commands() == ["instancectl diff -f instances/ || [ $? -eq 1 ]", "instancectl apply -f instances/"]


def test_given_the_manuals_github_job_when_running_its_steps_then_the_plan_shows_and_writes_nothing_and_apply_creates(
    shell: dict[str, str], tmp_path: Path, fresh_api: LocalApi
) -> None:
    plan, apply = workflow_commands()
    planned = _github_step(plan, shell, tmp_path)
    assert planned.returncode == 0, planned.stderr  # differences are the plan, not a failure
    assert "+name: web-1" in planned.stdout.splitlines()
    assert fresh_api.request("GET", "/api/v1/instance?name=web-1").status == 404
    unreachable = _github_step(plan, {**shell, "INSTANCE_API_URL": "http://127.0.0.1:9"}, tmp_path)
    assert unreachable.returncode != 0, "an error fails the plan step"
    applied = _github_step(apply, shell, tmp_path)
    assert applied.returncode == 0, applied.stderr
    assert [r["action"] for r in json.loads(applied.stdout)] == ["created"]
    assert fresh_api.request("GET", "/api/v1/instance?name=web-1").body["data"]["hostIDs"] == ["host-a", "host-b"]
    again = _github_step(plan, shell, tmp_path)
    assert (again.returncode, again.stdout) == (0, "")


def test_given_the_readme_and_the_manual_when_searching_for_instancectl_commands_then_the_tests_run_each() -> None:
    """Every command shown is the start of one run (a shown command stops at a quote or a `;`)."""
    shown = {match.group(0).strip() for text in map(_read, DOCUMENTS) for match in _COMMAND.finditer(text)}
    run = {command for marker in CONSOLE_BLOCKS for command, _ in console_steps(marker)} | set(workflow_commands())
    assert shown, "the README and the manual show instancectl commands"
    not_run = sorted(command for command in shown if not any(ran.startswith(command) for ran in run))
    assert not not_run, f"commands shown that no test runs: {not_run}"
