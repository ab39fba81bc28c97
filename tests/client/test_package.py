"""The client installs anywhere a pipeline runs: `pip install ./client` on Python 3.10 to 3.13,
beside the pipeline's own boto3, with version ranges whose lower bounds are tested
(`make client-pythons` runs this tier at them), and in the project's venv (make)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from devtools.template import ROOT
from tests.client import pythons
from tests.client.pythons import CLIENT, LOWER_BOUNDS_PYTHON, PYTHONS, canonical, client_project, lower_bounds, pins

# A pipeline's older boto3: it needs botocore>=1.43.107,<1.44.0, older than the project's 1.44.8.
OLDER_BOTO3 = "boto3==1.43.107"
_PIP = ("--quiet", "--disable-pip-version-check")


def test_given_the_clients_dependencies_when_read_then_each_is_a_range_from_a_lower_bound_to_the_next_major() -> None:
    for requirement in map(Requirement, client_project()["dependencies"]):
        operators = {specifier.operator: Version(specifier.version) for specifier in requirement.specifier}
        assert set(operators) in ({">="}, {">=", "<"}), f"{requirement}: a lower bound, and at most a major cap"
        if "<" in operators:
            assert operators["<"] == Version(str(operators[">="].major + 1)), f"{requirement}: cap at the next major"
    assert client_project()["requires-python"] == f">={PYTHONS[0]}"
    assert PYTHONS[0] == LOWER_BOUNDS_PYTHON, "the oldest Python runs the oldest dependencies"


def test_given_the_clients_lower_bounds_when_read_then_each_dependency_has_one() -> None:
    declared = {canonical(Requirement(text).name) for text in client_project()["dependencies"]}
    bounds = lower_bounds()
    assert {canonical(line.partition("==")[0]) for line in bounds} == declared
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==\S+", line) for line in bounds), bounds


def test_given_the_dev_venvs_pins_when_checked_against_the_clients_ranges_then_each_is_inside() -> None:
    """The Makefile installs the client into .venv editable and --no-deps: dev.txt's versions
    must be ones it accepts (the newest end of its ranges, tested by the whole suite)."""
    development = pins((ROOT / "requirements" / "dev.txt").read_text(encoding="utf-8").splitlines())
    for requirement in map(Requirement, client_project()["dependencies"]):
        pinned = development.get(canonical(requirement.name))
        assert pinned is not None, f"requirements/dev.txt pins no {requirement.name}"
        assert SpecifierSet(str(requirement.specifier)).contains(pinned), f"dev.txt's {pinned} is outside {requirement}"


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


def _run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)


def _frozen(python: Path) -> dict[str, str]:
    return pins(_run(python, "-m", "pip", "freeze").stdout.splitlines())


@pytest.mark.slow
@pytest.mark.real_clock  # pip fetches over TLS
def test_given_a_venv_with_an_older_boto3_when_pip_installs_the_client_then_boto3_is_unchanged_and_instancectl_runs(
    tmp_path: Path,
) -> None:
    """A pipeline's venv: its own boto3 first, then `pip install ./client` (PyPI only, its cache
    may serve). Exact pins replaced botocore under boto3 (pip printed the conflict and exited 0),
    and asking for both in one command was ResolutionImpossible."""
    source = tmp_path / "client"
    shutil.copytree(CLIENT, source, ignore=shutil.ignore_patterns("*.egg-info", "build", "__pycache__"))
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"

    together = _run(python, "-m", "pip", "install", *_PIP, "--dry-run", OLDER_BOTO3, str(source))
    assert together.returncode == 0, together.stdout + together.stderr
    installed = _run(python, "-m", "pip", "install", *_PIP, OLDER_BOTO3)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    before = _frozen(python)
    client = _run(python, "-m", "pip", "install", *_PIP, str(source))
    assert client.returncode == 0, client.stdout + client.stderr
    after = _frozen(python)

    assert {name: after.get(name) for name in ("boto3", "botocore")} == {
        name: before[name] for name in ("boto3", "botocore")
    }
    assert {name: version for name, version in before.items() if after.get(name) != version} == {}
    checked = _run(python, "-m", "pip", "check")
    assert checked.returncode == 0, checked.stdout
    boto3 = _run(python, "-c", "import boto3; boto3.client('sts', region_name='us-east-1'); print(boto3.__version__)")
    assert boto3.stdout.strip() == OLDER_BOTO3.partition("==")[2], boto3.stderr
    command = environment / "bin" / "instancectl"
    shown = _run(command, "--help")
    assert shown.returncode == 0, shown.stderr
    assert "apply" in shown.stdout
    # A call that imports everything a request needs (botocore, yaml) and fails the documented way.
    unreachable = _run(command, "get", "web-1", "--endpoint", "http://127.0.0.1:9", "--max-attempts", "1")
    assert unreachable.returncode == 5, unreachable.stderr
    assert "error: no answer from http://127.0.0.1:9" in unreachable.stderr


@pytest.mark.parametrize(("environment", "status", "said"), [({}, 0, "skipped"), ({"CI": "true"}, 1, "FAILED")])
def test_given_a_python_that_is_not_installed_when_running_the_client_tier_then_it_skips_locally_and_fails_in_ci(
    environment: dict[str, str],
    status: int,
    said: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(pythons, "PYTHONS", ("3.99",))
    for variable in ("CI", "REQUIRE_CLIENT_PYTHONS"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    assert pythons.main([]) == status
    assert f"client tier on 3.99: {said}: python3.99 not found (pyenv install 3.99)" in capsys.readouterr().out
