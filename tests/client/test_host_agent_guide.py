"""docs/host-agents.md's "A host agent": its example hook and its systemd unit, run as written
against the fake v3 server (tests/client/fake_api.py), with stand-ins for `docker` and `jq`."""

from __future__ import annotations

import configparser
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.template import ROOT
from instancectl.durations import parse_duration
from tests.client.conftest import CLIENT_SOURCES
from tests.client.fake_api import FakeApi

GUIDE = ROOT / "docs" / "host-agents.md"
# Stand-ins that record each call: docker as its arguments, jq as `jq -r .spec.image` reads it.
_DOCKER = '#!/bin/sh\necho "docker $*" >> "$CALLS"\n'
_JQ = f"#!/bin/sh\nexec \"{sys.executable}\" -c \"import json, sys; print(json.load(sys.stdin)['spec']['image'])\"\n"


def _block(marker: str) -> str:
    text = GUIDE.read_text(encoding="utf-8")
    inner = text.split(f"<!-- {marker}:start -->", 1)[1].split(f"<!-- {marker}:end -->", 1)[0]
    return "\n".join(inner.strip().splitlines()[1:-1]) + "\n"


def _executable(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o755)
    return path


def _environment(tmp_path: Path, endpoint: str) -> dict[str, str]:
    tools = tmp_path / "tools"
    tools.mkdir()
    _executable(tools / "docker", _DOCKER)
    _executable(tools / "jq", _JQ)
    return {
        **os.environ,
        "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": os.pathsep.join([str(CLIENT_SOURCES), os.environ.get("PYTHONPATH", "")]),
        "INSTANCE_API_URL": endpoint,
        "CALLS": str(tmp_path / "calls"),
    }


def _agent(hook: Path, environment: dict[str, str], state: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "instancectl", "agent", "--host", "host-a", "--once", "--exec", str(hook)]
    return subprocess.run(
        [*command, "--state-dir", str(state)], env=environment, capture_output=True, text=True, timeout=120, check=False
    )


def test_given_the_guides_hook_when_the_agent_runs_it_then_it_starts_each_instance_reports_and_stops_what_left(
    tmp_path: Path,
) -> None:
    fake = FakeApi()
    fake.add("web-1", ["host-a"], namespace="team-a", spec={"image": "registry.example.com/web:1.5.0"})
    fake.add("unset", ["host-a"])  # no image yet
    hook = _executable(tmp_path / "hook", _block("agent-hook"))
    with fake.serve() as server:
        environment = _environment(tmp_path, server.base_url)
        first = _agent(hook, environment, tmp_path / "state")
        assert first.returncode == 1, first.stderr  # "unset" has no image: Failed, as the hook says
        assert [fake.reports[(name, "host-a")]["state"] for name in ("web-1", "unset")] == ["Running", "Failed"]
        assert fake.reports[("unset", "host-a")]["message"] == "no image set yet"
        assert (tmp_path / "calls").read_text().splitlines() == [
            "docker pull --quiet registry.example.com/web:1.5.0",
            "docker rm --force team-a.web-1",
            "docker run --detach --name team-a.web-1 --restart unless-stopped registry.example.com/web:1.5.0",
        ]
        fake.remove("web-1")
        fake.remove("unset")
        second = _agent(hook, environment, tmp_path / "state")
    assert second.returncode == 0, second.stderr
    assert (tmp_path / "calls").read_text().splitlines()[3:] == [
        "docker rm --force default.unset",
        "docker rm --force team-a.web-1",
    ]


def _unit() -> configparser.ConfigParser:
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str  # type: ignore[assignment,method-assign]  # systemd's keys are case-sensitive
    unit.read_string(_block("agent-unit"))
    return unit


def test_given_the_guides_unit_when_read_then_a_stop_lets_the_hook_finish_before_anything_is_killed() -> None:
    service = _unit()["Service"]
    assert service["KillMode"] == "mixed"  # SIGTERM to the agent alone; the hook finishes
    hook_timeout = parse_duration("5m")  # the agent's default --hook-timeout (cli.py)
    assert parse_duration(service["TimeoutStopSec"].replace("min", "m")) > hook_timeout
    assert service["StateDirectory"] == "instancectl"
    assert "--state-dir" not in service["ExecStart"]  # $STATE_DIRECTORY is the default


def test_given_the_guides_unit_when_its_exec_start_runs_once_then_it_is_a_working_agent_command(
    tmp_path: Path,
) -> None:
    arguments = shlex.split(_unit()["Service"]["ExecStart"].replace("%H", "host-a"))
    assert arguments[:2] == ["/opt/instancectl/bin/instancectl", "agent"]
    fake = FakeApi()
    fake.add("web-1", ["host-a"], spec={"image": "nginx:1.27"})
    hook = _executable(tmp_path / "hook", _block("agent-hook"))
    with fake.serve() as server:
        environment = {**_environment(tmp_path, server.base_url), "STATE_DIRECTORY": str(tmp_path / "state")}
        command = [sys.executable, "-m", "instancectl", *arguments[1:], "--once"]
        command[command.index("/usr/local/lib/instancectl/hook")] = str(hook)
        result = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert fake.reports[("web-1", "host-a")]["state"] == "Running"
    assert json.loads((tmp_path / "state" / "agent-host-a.json").read_text())["host"] == "host-a"


def test_given_systemd_analyze_when_verifying_the_guides_unit_then_it_has_no_complaint(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed: the unit is only read here")
    instancectl = Path(sys.executable).with_name("instancectl")
    unit = tmp_path / "instancectl-agent.service"
    unit.write_text(_block("agent-unit").replace("/opt/instancectl/bin/instancectl", str(instancectl)))
    result = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60, check=False)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert re.search(r"^ExecStart=\S+ agent --host %H --exec ", _block("agent-unit"), re.MULTILINE)
