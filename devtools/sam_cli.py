"""aws-sam-cli, which lives in its own venv (.venv-sam: it pins older boto3 and pydantic)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from devtools.template import LOCAL_REGION, ROOT

SAM = ROOT / ".venv-sam" / "bin" / "sam"


def sam(*arguments: str) -> list[str]:
    """A `sam` command line."""
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
