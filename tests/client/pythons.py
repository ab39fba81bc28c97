"""`make client-pythons`: the client tier on every Python a pipeline may run, 3.10 to 3.13.

For each Python, a venv `.venv-client-X.Y/` gets the client as a pipeline installs it
(`pip install ./client`, dependencies from its ranges; on the oldest Python every dependency at
its declared lower bound, so those bounds are tested, not guessed) and pytest at dev.txt's
version, then runs tests/client there. The slow tests are left out: they are installs, which
these venvs already are. The tests import the client from client/src (pytest's `pythonpath`),
the same code the venv holds; the venv proves the install and supplies the dependencies. A
venv is kept between runs and rebuilt when what it was built from changes.

The local API those tests call runs on the project's own venv (`INSTANCE_API_PYTHON`): the
API's layer is 3.13 code, the client is what runs on the older Pythons.

A Python that is not installed is skipped with the reason; in CI (`CI=true`, or
`REQUIRE_CLIENT_PYTHONS=1` as .ci/run sets it) that fails the run instead.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.version import InvalidVersion, Version

from devtools.template import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest itself needs tomli before 3.11, so it is there wherever the client tier runs
    import tomli as tomllib

CLIENT = ROOT / "client"
PYTHONS = ("3.10", "3.11", "3.12", "3.13")
LOWER_BOUNDS_PYTHON = PYTHONS[0]
SERVER_PYTHON_VARIABLE = "INSTANCE_API_PYTHON"
_DEV_REQUIREMENTS = ROOT / "requirements" / "dev.txt"
_TEST_REQUIREMENTS = ("pytest",)  # beside the client's own: what tests/client imports
_PIP = ("-m", "pip", "install", "--quiet", "--disable-pip-version-check")


def client_project() -> dict[str, Any]:
    """client/pyproject.toml's [project] table."""
    project: dict[str, Any] = tomllib.loads((CLIENT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return project


def pins(lines: list[str]) -> dict[str, str]:
    """`name==version` lines (comments ignored) by canonical name."""
    found = {}
    for line in lines:
        if match := re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", line.split("#", 1)[0].strip()):
            found[canonical(match[1])] = match[2]
    return found


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lower_bounds() -> list[str]:
    """`name==version` for each dependency of the client, at its declared lower bound (`>=`)."""
    bounds = []
    for requirement in map(Requirement, client_project()["dependencies"]):
        (lower,) = [specifier.version for specifier in requirement.specifier if specifier.operator == ">="]
        bounds.append(f"{requirement.name}=={lower}")
    return bounds


def interpreter(version: str) -> Path | None:
    """A Python X.Y that runs: pyenv's newest X.Y.* (these machines have them), else `pythonX.Y` on PATH."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    installed = sorted(pyenv.glob(f"versions/{version}.*/bin/python{version}"), key=_release, reverse=True)
    on_path = shutil.which(f"python{version}")
    for candidate in [*installed, *([Path(on_path)] if on_path else [])]:
        # The interpreter's own path, not a shim's: pyenv resolves a shim by the working directory.
        probe: list[str | Path] = [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2], sys.executable)"]
        reported = subprocess.run(probe, capture_output=True, text=True, check=False, timeout=60)
        found, _, executable = reported.stdout.strip().partition(" ")
        if reported.returncode == 0 and found == version:
            return Path(executable)
    return None


def _release(path: Path) -> Version:
    try:
        return Version(path.parent.parent.name)
    except InvalidVersion:
        return Version("0")


class Failed(Exception):
    """A step of one Python's run failed; the message says which and why."""


def _run(command: list[str | Path], what: str, **options: Any) -> None:
    result = subprocess.run(command, check=False, **options)
    if result.returncode != 0:
        raise Failed(f"{what} failed (exit {result.returncode})")


def prepared_venv(version: str, python: Path) -> Path:
    """`.venv-client-X.Y/` with the client and pytest installed, rebuilt when its inputs change."""
    directory = ROOT / f".venv-client-{version}"
    constraints = lower_bounds() if version == LOWER_BOUNDS_PYTHON else []
    pytest_pin = f"pytest=={pins(_DEV_REQUIREMENTS.read_text(encoding='utf-8').splitlines())['pytest']}"
    inputs = "\n".join([str(python), (CLIENT / "pyproject.toml").read_text(encoding="utf-8"), pytest_pin, *constraints])
    stamp = directory / ".installed"
    digest = hashlib.sha256(inputs.encode()).hexdigest()
    if stamp.exists() and stamp.read_text(encoding="utf-8") == digest:
        return directory
    shutil.rmtree(directory, ignore_errors=True)
    _run([python, "-m", "venv", directory], f"python{version} -m venv")
    arguments: list[str | Path] = [directory / "bin" / "python", *_PIP, CLIENT, pytest_pin]
    if constraints:
        (directory / "lower-bounds.txt").write_text("\n".join(constraints) + "\n", encoding="utf-8")
        arguments += ["--constraint", directory / "lower-bounds.txt"]
    _run(arguments, f"pip install ./client on {version}")
    stamp.write_text(digest, encoding="utf-8")
    return directory


def start_tier(directory: Path, arguments: list[str]) -> subprocess.Popen[bytes]:
    """tests/client on the venv's Python, its output to the venv's pytest.log; conftest files
    above tests/client import the layer, so they stay out."""
    command: list[str | Path] = [directory / "bin" / "python", "-m", "pytest", "-p", "no:cacheprovider"]
    command += ["--confcutdir", "tests/client", "-o", "addopts=", "-ra", "--strict-markers", "-q", "-m", "not slow"]
    environment = {**os.environ, SERVER_PYTHON_VARIABLE: sys.executable}
    with (directory / "pytest.log").open("wb") as log:
        return subprocess.Popen(
            [*command, *arguments, "tests/client"], cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
        )


def _venvs(required: bool) -> tuple[dict[str, Path], list[str]]:
    """A prepared venv per Python found, and the Pythons that failed (missing where required, or the install)."""
    prepared, failures = {}, []
    for version in PYTHONS:
        python = interpreter(version)
        if python is None:
            problem = f"python{version} not found (pyenv install {version})"
            print(f"client tier on {version}: {'FAILED' if required else 'skipped'}: {problem}", flush=True)
            failures += [version] if required else []
            continue
        bounds = f" with the lower bounds {' '.join(lower_bounds())}" if version == LOWER_BOUNDS_PYTHON else ""
        print(f"client tier on {python}{bounds}", flush=True)
        try:
            prepared[version] = prepared_venv(version, python)
        except Failed as failure:
            print(f"client tier on {version}: FAILED: {failure}", flush=True)
            failures.append(version)
    return prepared, failures


def main(arguments: list[str]) -> int:
    """Every Python's run at once: the tests mostly wait on processes and sockets, not on a core."""
    required = os.environ.get("CI") == "true" or os.environ.get("REQUIRE_CLIENT_PYTHONS") == "1"
    started = time.monotonic()
    prepared, failures = _venvs(required)
    installed = time.monotonic()
    running = {version: start_tier(directory, arguments) for version, directory in prepared.items()}
    for version, process in running.items():
        process.wait()
        log = (prepared[version] / "pytest.log").read_text(encoding="utf-8", errors="replace")
        if process.returncode != 0:
            print(log, flush=True)
            failures.append(version)
        summary = log.strip().splitlines()[-1:] or ["no output"]
        print(f"client tier on {version}: {summary[0]}", flush=True)
    print(
        f"client tier: {', '.join(prepared) or 'no Python'} in {time.monotonic() - started:.0f} s "
        f"({installed - started:.0f} s of venvs)",
        flush=True,
    )
    if failures:
        print(f"client tier failed on {', '.join(failures)}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
