"""What `sam deploy` would ship is what was tested: build it, then run the built artifact.

The fresh interpreter sees only what Lambda's python3.13 runtime would: the built function
folder, then the built layer's python/ folder, then the packages the runtime itself
provides (boto3, botocore and their dependencies). No venv site-packages: a dependency
missing from the layer fails here, not in production.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.cold_start import CASES
from devtools import lambda_artifact
from devtools.events import load_event
from devtools.fresh_interpreter import HandlerRun
from devtools.lambda_environment import lambda_environment
from devtools.local_aws import LocalSecrets, client, local_environment
from devtools.tables import create_table
from devtools.template import ROOT, Template
from tests.powertools_modules import unexpected_modules, watched_modules
from tests.support import api_event

# real_clock: the build fetches the layer's packages over TLS (devtools/future_clock.py).
pytestmark = [pytest.mark.slow, pytest.mark.real_clock]

FUNCTIONS = sorted(Template.load().functions())
# Each table of the template: the suffix of its copy's name, and the variable that names it.
TABLES = {
    "InstancesTable": ("", "TABLE_NAME"),
    "IdempotencyTable": ("-idempotency", "IDEMPOTENCY_TABLE_NAME"),
    "HostIndexTable": ("-hosts", "HOST_INDEX_TABLE_NAME"),
    "HostReportsTable": ("-reports", "HOST_REPORTS_TABLE_NAME"),
    "HostRevisionsTable": ("-revisions", "HOST_REVISIONS_TABLE_NAME"),
}


@pytest.fixture
def table(embedded_dynamodb: str) -> Iterator[str]:
    """Fresh copies of the template's tables, named after the instances table's (TABLES)."""
    dynamodb = client(embedded_dynamodb)
    template = Template.load()
    name = f"built-{uuid.uuid4().hex[:8]}"
    tables = {f"{name}{suffix}": template.table(logical_id) for logical_id, (suffix, _) in TABLES.items()}
    for table_name, spec in tables.items():
        create_table(dynamodb, spec, name=table_name)
    yield name
    for table_name in tables:
        dynamodb.delete_table(TableName=table_name)


def test_given_the_template_when_sam_builds_it_then_each_function_ships_only_its_code(build_dir: Path) -> None:
    for function in FUNCTIONS:
        shipped = {path.name for path in (build_dir / function).iterdir() if path.name != "__pycache__"}
        assert shipped == {"app.py", "__init__.py"}


def test_given_the_template_when_sam_builds_it_then_the_layer_carries_the_domain_and_its_dependencies(
    build_dir: Path,
) -> None:
    python = build_dir / "CommonLayer" / "python"
    for package in ("instance_api", "pydantic", "pydantic_core", "aws_lambda_powertools", "jmespath"):
        assert (python / package).is_dir(), package
    assert not (python / "boto3").exists(), "the runtime provides boto3; the layer must not carry it"
    assert list((python / "pydantic_core").glob("_pydantic_core.cpython-313-x86_64-linux-gnu.so"))
    versions = {path.name for path in python.glob("*.dist-info")}
    pinned = (ROOT / "layers" / "common" / "requirements.txt").read_text(encoding="utf-8")
    for line in pinned.splitlines():
        if line and not line.startswith("#"):
            package, version = line.split("==")
            assert f"{package.replace('-', '_')}-{version}.dist-info" in versions, line


@pytest.fixture(scope="module")
def secrets() -> Iterator[str]:
    """The template's secrets in an embedded Secrets Manager; yields its endpoint."""
    local = LocalSecrets(Template.load())
    yield local.endpoint
    local.stop()


def run_built(
    build_dir: Path,
    runtime: Path,
    endpoints: tuple[str, str],
    table: str,
    function: str,
    events: list[dict[str, Any]],
    loaded: list[str] | None = None,
) -> dict[str, Any]:
    """Answer `events` with the built `function` and layer, in an interpreter that sees only them."""
    function_dir = build_dir / function
    spec = Template.load().functions()[function]
    dynamodb, secrets_manager = endpoints
    local = {
        **local_environment(dynamodb, secrets_endpoint=secrets_manager),
        **{variable: f"{table}{suffix}" for suffix, variable in TABLES.values()},
    }
    run = HandlerRun(
        lambda_artifact.search_path(build_dir, function, runtime),
        lambda_environment(spec, local, task_root=function_dir),
        events,
        files=("app", "pydantic"),
        loaded=loaded or (),
        cwd=function_dir,
    )
    report = run.report()
    assert report["files"]["app"] == str(function_dir / "app.py")
    return report


def statuses(outcome: dict[str, Any]) -> list[int]:
    return [answer["statusCode"] for answer in outcome["answers"]]


def test_given_the_built_layer_when_listing_it_then_third_party_code_is_bytecode_and_ours_keeps_sources(
    build_dir: Path,
) -> None:
    python = build_dir / "CommonLayer" / "python"
    third_party = [path for path in python.rglob("*.py") if "instance_api" not in path.parts]
    assert third_party == [], "third-party packages ship as bytecode only"
    assert (python / "pydantic" / "main.pyc").is_file()
    sources = ROOT / "layers" / "common"
    for source in (sources / "instance_api").rglob("*.py"):
        built = python / source.relative_to(sources)
        assert built.is_file(), built
        assert list((built.parent / "__pycache__").glob(f"{built.stem}.cpython-313.pyc")), built
    assert not (python / "bin").exists()


def test_given_the_built_layer_when_listing_it_then_what_no_function_loads_is_left_out(build_dir: Path) -> None:
    python = build_dir / "CommonLayer" / "python"
    assert (python / "aws_lambda_powertools" / "logging").is_dir()
    assert not (python / "aws_lambda_powertools" / "event_handler").exists()
    assert not (python / "pydantic" / "v1").exists()
    ours = [*(ROOT / "layers" / "common" / "instance_api").rglob("*.py"), *(ROOT / "functions").rglob("*.py")]
    for path in ours:
        code = path.read_text(encoding="utf-8")
        assert "event_handler" not in code, f"{path} uses Powertools' resolvers, which the layer leaves out"
        assert "pydantic.v1" not in code, f"{path} uses pydantic.v1, which the layer leaves out"


def test_given_the_built_artifact_when_every_function_answers_in_a_fresh_process_then_each_answer_is_right(
    build_dir: Path, lambda_runtime_packages: Path, embedded_dynamodb: str, secrets: str, table: str
) -> None:
    def run(function: str, *events: dict[str, Any]) -> dict[str, Any]:
        endpoints = (embedded_dynamodb, secrets)
        return run_built(build_dir, lambda_runtime_packages, endpoints, table, function, list(events))

    created = run(
        "CreateInstanceFunction",
        load_event("create"),
        api_event("POST", body={"name": "bad_name"}),
        api_event("POST", body={"namespace": "team-b"}, headers={"Idempotency-Key": "built-1"}),
        api_event("POST", body={"namespace": "team-b"}, headers={"Idempotency-Key": "built-1"}),
    )
    assert statuses(created) == [200, 400, 200, 200]
    assert created["files"]["pydantic"].startswith(str(build_dir / "CommonLayer" / "python")), "from the layer"
    body = json.loads(created["answers"][0]["body"])
    assert (body["code"], body["message"], body["data"]["name"]) == (200, "create succeed", "web-1")
    assert created["answers"][2]["body"] == created["answers"][3]["body"], "the idempotent retry replays"
    assert statuses(run("GetInstanceFunction", load_event("get"), load_event("list"))) == [200, 200]
    assert statuses(run("UpdateInstanceFunction", load_event("update"))) == [200]
    assert statuses(run("DeleteInstanceFunction", load_event("delete"))) == [200]
    assert statuses(run("RouteFallbackFunction", api_event("PATCH"))) == [405]
    assert statuses(run("CreateInstanceFunction", load_event("create"))) == [200]
    assert statuses(run("ReportHostStatusFunction", load_event("host-status"))) == [200]
    assert statuses(run("GetHostViewFunction", load_event("host-view"))) == [200]
    got = run("GetInstanceFunction", load_event("get"))
    assert json.loads(got["answers"][0]["body"])["data"]["status"]["hosts"][0]["state"] == "Running"


def test_given_the_built_layer_when_each_api_function_answers_its_first_request_then_it_loads_no_other_event_source(
    build_dir: Path, lambda_runtime_packages: Path, embedded_dynamodb: str, secrets: str, table: str
) -> None:
    # The lazy data_classes package (layers/common/patches): no event class for another source,
    # no resolver (the layer has none), no asyncio. The bench's first requests, in its order:
    # create makes the instance the next ones read, change and delete.
    python = build_dir / "CommonLayer" / "python"
    data_classes = python / "aws_lambda_powertools" / "utilities" / "data_classes"
    assert b"_LAZY_IMPORTS" in (data_classes / "__init__.pyc").read_bytes()
    watched = watched_modules(python)
    api_functions = {route.function.logical_id for route in Template.load().routes()}
    for function, case in CASES.items():
        if function in api_functions:
            endpoints = (embedded_dynamodb, secrets)
            report = run_built(build_dir, lambda_runtime_packages, endpoints, table, function, [case.event()], watched)
            assert statuses(report) == [case.status], function
            assert "aws_lambda_powertools.utilities.data_classes.api_gateway_proxy_event" in report["loaded"], function
            assert unexpected_modules(report["loaded"]) == [], function
