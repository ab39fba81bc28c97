"""What `sam deploy` would ship is what was tested: build it, then run the built artifact.

The fresh interpreter sees only what Lambda's python3.13 runtime would: the built function
folder, then the built layer's python/ folder, then the packages the runtime itself
provides (boto3, botocore and their dependencies). No venv site-packages: a dependency
missing from the layer fails here, not in production.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.dynamodb import LOCAL_CREDENTIALS, client
from devtools.template import ROOT, Template
from tests.support import EVENTS

pytestmark = pytest.mark.slow

SAM = ROOT / ".venv-sam" / "bin" / "sam"
# What Lambda's Python runtime has on its path besides the standard library.
RUNTIME_PACKAGES = ("boto3", "botocore", "jmespath", "dateutil", "s3transfer", "six", "urllib3")
FUNCTIONS = sorted(Template.load().functions())

INVOKE = """
import json, sys
sys.path[:0] = sys.argv[1:4]
import app
event = json.load(open(sys.argv[4]))
class Context:
    function_name = "CreateInstanceFunction"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:CreateInstanceFunction"
    aws_request_id = "build-test"
print(json.dumps({"response": app.lambda_handler(event, Context()),
                  "pydantic": sys.modules["pydantic"].__file__, "app": app.__file__}))
"""


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SAM.exists():
        pytest.fail("aws-sam-cli is not installed: run `make install` (it lives in .venv-sam)")
    target = tmp_path_factory.mktemp("sam") / "build"
    environment = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",  # python3.13 for sam
        "AWS_DEFAULT_REGION": "us-east-1",
        "SAM_CLI_TELEMETRY": "0",
    }
    result = subprocess.run(
        [str(SAM), "build", "--build-dir", str(target)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return target


@pytest.fixture(scope="module")
def lambda_runtime_packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding only what the Lambda runtime provides (links into this venv)."""
    folder = tmp_path_factory.mktemp("lambda-runtime")
    for package in RUNTIME_PACKAGES:
        spec = importlib.util.find_spec(package)
        assert spec is not None
        assert spec.origin is not None
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (folder / source.name).symlink_to(source)
    return folder


@pytest.fixture
def table(embedded_dynamodb: str) -> Iterator[str]:
    dynamodb = client(embedded_dynamodb)
    spec = Template.load().table("InstancesTable")
    name = f"built-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(**{**spec.create_table_request, "TableName": name})
    yield name
    dynamodb.delete_table(TableName=name)


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


def test_given_the_built_function_and_layer_when_a_fresh_process_answers_a_create_event_then_it_is_200(
    build_dir: Path, lambda_runtime_packages: Path, embedded_dynamodb: str, table: str
) -> None:
    environment = {
        "PATH": os.environ["PATH"],
        **LOCAL_CREDENTIALS,
        "AWS_DEFAULT_REGION": "us-east-1",
        "DYNAMODB_ENDPOINT_URL": embedded_dynamodb,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "TABLE_NAME": table,
        "POWERTOOLS_SERVICE_NAME": "instance-api",
    }
    function_dir = build_dir / "CreateInstanceFunction"
    layer_dir = build_dir / "CommonLayer" / "python"
    result = subprocess.run(
        [
            sys.executable,
            "-I",  # no PYTHONPATH, no user site, not this folder
            "-S",  # no site-packages: only the paths given below
            "-c",
            INVOKE,
            str(function_dir),
            str(layer_dir),
            str(lambda_runtime_packages),
            str(EVENTS / "create.json"),
        ],
        cwd=function_dir,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["app"] == str(function_dir / "app.py")
    assert outcome["pydantic"].startswith(str(layer_dir)), "pydantic must come from the built layer"
    response = outcome["response"]
    assert response["statusCode"] == 200, response
    body = json.loads(response["body"])
    assert (body["code"], body["message"], body["data"]["name"]) == (200, "create succeed", "web-1")
