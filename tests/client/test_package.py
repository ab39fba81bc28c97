"""The client installs on its own (`pip install ./client`) and in the project's venv (make)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from devtools.template import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest itself needs tomli before 3.11, so it is there wherever these tests run
    import tomli as tomllib

CLIENT = ROOT / "client"


def _pins(lines: list[str]) -> dict[str, str]:
    pins = {}
    for line in lines:
        if match := re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", line.split("#", 1)[0].strip()):
            pins[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[2]
    return pins


def test_given_the_clients_dependencies_when_compared_with_the_dev_venvs_then_each_is_pinned_to_the_same_version() -> (
    None
):
    declared = tomllib.loads((CLIENT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    client = _pins(declared)
    assert len(client) == len(declared), f"every runtime dependency is pinned with ==: {declared}"
    development = _pins((ROOT / "requirements" / "dev.txt").read_text(encoding="utf-8").splitlines())
    assert {name: development.get(name) for name in client} == client, (
        "the Makefile installs the client with --no-deps into .venv: its pins must be dev.txt's"
    )


def test_given_the_project_venv_when_running_the_installed_command_then_help_works() -> None:
    command = Path(sys.executable).with_name("instancectl")
    assert command.exists(), "`make` installs the client into .venv (the $(VENV)/.installed target)"
    result = subprocess.run([command, "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: instancectl [OPTIONS] COMMAND [ARGS]...")


def test_given_the_client_when_its_sources_are_read_then_nothing_comes_from_the_layer_or_the_dev_tools() -> None:
    sources = list((CLIENT / "src" / "instancectl").glob("*.py"))
    assert sources
    for source in sources:
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import) (instance_api|devtools|tests)\b", text, re.MULTILINE), source


@pytest.mark.slow
def test_given_a_fresh_venv_when_pip_installs_the_client_then_instancectl_runs(tmp_path: Path) -> None:
    """`pip install ./client && instancectl --help` on a machine with only PyPI: a new venv, no
    site packages, the package's declared dependencies fetched by pip (its cache may serve them)."""
    source = tmp_path / "client"
    shutil.copytree(CLIENT, source, ignore=shutil.ignore_patterns("*.egg-info", "build", "__pycache__"))
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    pip = subprocess.run(
        [environment / "bin" / "pip", "install", "--quiet", "--disable-pip-version-check", str(source)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    command = environment / "bin" / "instancectl"
    shown = subprocess.run([command, "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert shown.returncode == 0, shown.stderr
    assert "apply" in shown.stdout
    # A call that imports everything a request needs (botocore, yaml) and fails the documented way.
    unreachable = subprocess.run(
        [command, "get", "web-1", "--endpoint", "http://127.0.0.1:9", "--max-attempts", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert unreachable.returncode == 5, unreachable.stderr
    assert "error: no answer from http://127.0.0.1:9" in unreachable.stderr
