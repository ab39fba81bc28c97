"""A function's process environment, as Lambda builds it, for every local run of a function."""

from __future__ import annotations

import os
from pathlib import Path

from devtools.future_clock import shift_environment
from devtools.template import FunctionSpec


def lambda_environment(spec: FunctionSpec, local: dict[str, str], task_root: Path | None = None) -> dict[str, str]:
    """What Lambda sets, the template's variables, then `local` (devtools.local_aws's
    local_environment, and whatever else a caller overrides); under `make test-future`, the
    shifted clock too, so a function reads the time the process that runs it reads."""
    return {
        **shift_environment(),
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
