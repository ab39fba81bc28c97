"""The layer's lazy Powertools imports (layers/common/patches, decision 108): same names, guarded.

`make lazy-powertools` (the step `build-CommonLayer` runs after pip) is run here against
copies of the installed Powertools 3.37.0: the pristine copy gets the lazy `__init__` files,
a copy whose file differs stops the step and nothing is replaced. A fresh interpreter then
checks the patched packages against the originals, which this process imports from the venv.
"""

from __future__ import annotations

import ast
import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_lambda_powertools
import pytest

from devtools.template import ROOT
from tests.powertools_modules import API_GATEWAY_EVENT_MODULES, DATA_CLASSES, unexpected_modules

LAYER = ROOT / "layers" / "common"
PATCHES = LAYER / "patches"
INSTALLED = Path(aws_lambda_powertools.__file__).parent.parent
PACKAGES = ("aws_lambda_powertools.utilities.data_classes",)
INIT_FILES = tuple(f"{package.replace('.', '/')}/__init__.py" for package in PACKAGES)


def run_guard(target: Path) -> subprocess.CompletedProcess[str]:
    """The layer Makefile's guard-and-patch step, as `build-CommonLayer` runs it."""
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-C",
            str(LAYER),
            "lazy-powertools",
            f"TARGET={target}",
            f"PYTHON={sys.executable}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def copy_installed(target: Path, *, whole_package: bool) -> Path:
    """The installed Powertools (or only the files the guard reads) under `target`, as pip
    would leave it in the layer."""
    for dist_info in INSTALLED.glob("aws_lambda_powertools-*.dist-info"):
        shutil.copytree(dist_info, target / dist_info.name)
    if whole_package:
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(INSTALLED / "aws_lambda_powertools", target / "aws_lambda_powertools", ignore=ignore)
    else:
        for path in INIT_FILES:
            (target / path).parent.mkdir(parents=True)
            shutil.copyfile(INSTALLED / path, target / path)
    return target


@pytest.fixture(scope="module")
def patched(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the installed Powertools that the guard found pristine and patched."""
    target = copy_installed(tmp_path_factory.mktemp("patched"), whole_package=True)
    result = run_guard(target)
    assert result.returncode == 0, result.stdout + result.stderr
    return target


def test_given_the_pinned_powertools_when_the_guard_runs_then_both_init_files_become_the_lazy_versions(
    patched: Path,
) -> None:
    for path in INIT_FILES:
        assert (patched / path).read_bytes() == (PATCHES / path).read_bytes(), path
        assert (patched / path).read_bytes() != (INSTALLED / path).read_bytes(), path


@pytest.mark.parametrize("changed", INIT_FILES)
def test_given_a_powertools_whose_init_differs_when_the_guard_runs_then_it_stops_naming_the_file_and_replaces_nothing(
    tmp_path: Path, changed: str
) -> None:
    target = copy_installed(tmp_path, whole_package=False)
    upgraded = (target / changed).read_text(encoding="utf-8") + '__all__ += ["NewInUpgrade"]\n'
    (target / changed).write_text(upgraded, encoding="utf-8")

    result = run_guard(target)

    assert result.returncode != 0
    assert f"changed: {changed}" in result.stderr
    assert "installed: aws-lambda-powertools 3.37.0. The layer is not built." in result.stderr
    assert "Re-check before building" in result.stderr
    assert "layers/common/patches/powertools.sha256" in result.stderr
    for path in INIT_FILES:
        expected = upgraded if path == changed else (INSTALLED / path).read_text(encoding="utf-8")
        assert (target / path).read_text(encoding="utf-8") == expected, f"{path} was replaced"


def test_given_a_powertools_missing_a_replaced_file_when_the_guard_runs_then_it_stops(tmp_path: Path) -> None:
    target = copy_installed(tmp_path, whole_package=False)
    (target / INIT_FILES[0]).unlink()
    result = run_guard(target)
    assert result.returncode != 0
    assert f"changed: {INIT_FILES[0]} (missing" in result.stderr


# The original eager packages, each imported alone in a fresh interpreter: what importing
# them leaves as public attributes does not depend on what this test process loaded before.
ORIGINAL = """
import importlib, json, sys
from types import ModuleType
report = {}
for package_name in sys.argv[1:]:
    package = importlib.import_module(package_name)
    public = {name: getattr(package, name) for name in dir(package) if not name.startswith("_")}
    report[package_name] = {
        "file": package.__file__,
        "all": list(package.__all__),
        "submodules": {name: value.__name__ for name, value in public.items() if isinstance(value, ModuleType)},
        "names": sorted(name for name, value in public.items() if not isinstance(value, ModuleType)),
    }
print(json.dumps(report))
"""


def originals() -> dict[str, dict[str, Any]]:
    result = subprocess.run(
        [sys.executable, "-I", "-c", ORIGINAL, *PACKAGES], capture_output=True, text=True, timeout=60, check=True
    )
    report: dict[str, dict[str, Any]] = json.loads(result.stdout)
    return report


def defining_modules(package_name: str, original: dict[str, Any]) -> dict[str, str]:
    """Each public attribute of the original eager package, and the module it comes from: the
    submodule its `from ... import` names, or the submodule itself."""
    imported_from = {}
    for node in ast.parse(Path(original["file"]).read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom):
            module = importlib.util.resolve_name("." * node.level + (node.module or ""), package_name)
            imported_from.update({alias.name: module for alias in node.names})
    return {**original["submodules"], **{name: imported_from[name] for name in original["names"]}}


PROBE = """
import importlib, json, sys
from types import ModuleType
sys.path.insert(0, sys.argv[1])
expected = json.loads(sys.argv[2])
problems = []
for package_name, attributes in expected["attributes"].items():
    package = importlib.import_module(package_name)
    if package.__all__ != expected["all"][package_name]:
        problems.append(f"{package_name}.__all__ differs")
    exported = {}
    exec(f"from {package_name} import *", exported)
    if set(exported) - {"__builtins__"} != set(package.__all__):
        problems.append(f"from {package_name} import * differs from its __all__")
    if not set(attributes) <= set(dir(package)):
        problems.append(f"dir({package_name}) misses {sorted(set(attributes) - set(dir(package)))}")
    for name, module_name in attributes.items():
        value = getattr(package, name)
        own = sys.modules[module_name] if isinstance(value, ModuleType) else getattr(sys.modules[module_name], name)
        if value is not own:
            problems.append(f"{package_name}.{name} is not {module_name}'s")
print(json.dumps(problems))
"""


def test_given_the_patched_packages_when_reading_every_public_name_of_the_originals_then_each_is_its_submodules_object(
    patched: Path,
) -> None:
    report = originals()
    assert all(INSTALLED in Path(original["file"]).parents for original in report.values())
    attributes = {package: defining_modules(package, original) for package, original in report.items()}
    exported = {package: original["all"] for package, original in report.items()}
    assert len(attributes[PACKAGES[0]]) > len(exported[PACKAGES[0]]), "submodules count too"
    expected = {"attributes": attributes, "all": exported}
    result = subprocess.run(
        [sys.executable, "-I", "-c", PROBE, str(patched), json.dumps(expected)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(result.stdout) == []


LOADS = """
import json, sys
sys.path.insert(0, sys.argv[1])
exec(sys.argv[2])
print(json.dumps(sorted(sys.modules)))
"""


def loaded_by(patched: Path, statement: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-I", "-c", LOADS, str(patched), statement],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return set(json.loads(result.stdout))


def test_given_the_patched_package_when_importing_the_api_gateway_event_then_no_other_event_class_loads(
    patched: Path,
) -> None:
    statement = "from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent"
    loaded = loaded_by(patched, statement)
    assert unexpected_modules(loaded) == []
    event_modules = {name.removeprefix(DATA_CLASSES) for name in loaded if name.startswith(DATA_CLASSES)}
    assert event_modules == API_GATEWAY_EVENT_MODULES, "exactly what api_gateway_proxy_event.py imports"
    unpatched = loaded_by(INSTALLED, statement)
    assert len(unexpected_modules(unpatched)) > 20, "the original loads them all: this test would see it"


def test_given_the_patched_packages_when_the_event_source_module_is_imported_first_then_the_name_is_the_decorator(
    patched: Path,
) -> None:
    statement = (
        "import importlib\n"
        "module = importlib.import_module('aws_lambda_powertools.utilities.data_classes.event_source')\n"
        "from aws_lambda_powertools.utilities.data_classes import event_source\n"
        "assert event_source is module.event_source and callable(event_source), event_source"
    )
    assert "aws_lambda_powertools.utilities.data_classes.event_source" in loaded_by(patched, statement)


def test_given_the_patched_packages_when_asking_for_a_name_they_never_had_then_it_is_an_attribute_error(
    patched: Path,
) -> None:
    statement = (
        "import aws_lambda_powertools.utilities.data_classes as package\n"
        "for name in ('NoSuchEvent', 'no_such_module', '__wrapped__'):\n"
        "    assert not hasattr(package, name), name\n"
        "try:\n"
        "    from aws_lambda_powertools.utilities.data_classes import NoSuchEvent\n"
        "except ImportError as error:\n"
        "    assert 'NoSuchEvent' in str(error)\n"
        "else:\n"
        "    raise AssertionError('imported a name that does not exist')"
    )
    loaded_by(patched, statement)
