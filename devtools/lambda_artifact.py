"""The deployable artifact, and where Lambda's interpreter would find its code.

`build()` runs `sam build` into a folder; `runtime_packages()` makes a folder holding only
what Lambda's python3.13 runtime provides besides the standard library (boto3, botocore
and their dependencies), as links into this venv; `search_path()` is the built function,
the built layer and those packages, in Lambda's order. devtools.fresh_interpreter runs a
handler with exactly that path.
"""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

from devtools.sam_cli import sam, sam_environment
from devtools.template import ROOT

RUNTIME_PACKAGES = ("boto3", "botocore", "jmespath", "dateutil", "s3transfer", "six", "urllib3")


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


def runtime_packages(folder: Path, packages: tuple[str, ...] = RUNTIME_PACKAGES) -> Path:
    """`packages` (by default the runtime's) as links into this venv, in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for package in packages:
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
