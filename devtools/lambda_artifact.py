"""The deployable artifact, and the interpreter Lambda would run it in (for tests and the bench).

`build()` runs `sam build` (aws-sam-cli from .venv-sam, python3.13 from this venv) into a
folder; `runtime_packages()` makes a folder holding only what Lambda's python3.13 runtime
provides besides the standard library (boto3, botocore and their dependencies), as links
into this venv; `command()` is an interpreter that sees the built function, the built layer
and those packages, nothing else, and writes no bytecode (Lambda's code folders are
read-only).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from devtools.template import LOCAL_REGION, ROOT, FunctionSpec

SAM = ROOT / ".venv-sam" / "bin" / "sam"
RUNTIME_PACKAGES = ("boto3", "botocore", "jmespath", "dateutil", "s3transfer", "six", "urllib3")


def sam(*arguments: str) -> list[str]:
    """A `sam` command line (aws-sam-cli lives in its own venv, .venv-sam)."""
    if not SAM.exists():
        raise RuntimeError("aws-sam-cli is not installed: run `make install` (it lives in .venv-sam)")
    return [str(SAM), *arguments]


def sam_environment() -> dict[str, str]:
    """This environment, with python3.13 (this venv's) first on PATH for sam build, a region
    for the commands that want one (nothing reaches AWS), and no telemetry."""
    return {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "AWS_DEFAULT_REGION": LOCAL_REGION,
        "SAM_CLI_TELEMETRY": "0",
    }


def build(build_dir: Path) -> Path:
    result = subprocess.run(
        sam("build", "--build-dir", str(build_dir)),
        cwd=ROOT,
        env=sam_environment(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"sam build failed:\n{result.stdout}{result.stderr}")
    return build_dir


def runtime_packages(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for package in RUNTIME_PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            raise RuntimeError(f"{package} is not installed in this venv")
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        link = folder / source.name
        if not link.exists():
            link.symlink_to(source)
    return folder


def search_path(build_dir: Path, function: str, runtime: Path) -> list[str]:
    """sys.path in Lambda's order: the function, then the layer, then the runtime's packages."""
    return [str(build_dir / function), str(build_dir / "CommonLayer" / "python"), str(runtime)]


# -I: no PYTHONPATH or user site; -S: no site-packages; -B: nothing written.
INTERPRETER_FLAGS = ("-I", "-S", "-B")


def lambda_environment(spec: FunctionSpec, local: dict[str, str], task_root: Path | None = None) -> dict[str, str]:
    """A function's process environment: what Lambda sets, the template's variables, then
    `local` (devtools.dynamodb.local_environment, and whatever else a caller overrides)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "PYTHONUNBUFFERED": "1",
        "LAMBDA_TASK_ROOT": str(task_root or spec.code_uri),
        "_HANDLER": spec.handler,
        "AWS_LAMBDA_FUNCTION_NAME": spec.logical_id,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.logical_id}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "local",
        **spec.environment,
        **local,
    }
