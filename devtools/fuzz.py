"""`make fuzz`: schemathesis against the local API, as CI runs it.

    .venv/bin/python -m devtools.fuzz [--max-examples N] [--seed S]

Starts `python -m devtools.local_api` on a free port (the embedded store), runs
schemathesis over the OpenAPI document the server publishes, with the checks
not_a_server_error, status_code_conformance, response_schema_conformance and
negative_data_rejection, in the examples, fuzzing and stateful phases (create, then get,
update and delete through the document's links), stops the server, and exits with
schemathesis' status: non-zero on any failure.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from devtools.local_api.launch import local_api
from devtools.template import ROOT

CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,negative_data_rejection"
PHASES = "examples,fuzzing,stateful"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get("FUZZ_EXAMPLES") or 50))
    parser.add_argument("--seed", default=os.environ.get("FUZZ_SEED") or None, help="fixed for reproducible runs")
    arguments = parser.parse_args(argv)
    log = Path(tempfile.mkstemp(prefix="fuzz-local-api-", suffix=".log")[1])
    with local_api(log) as api:
        base_url = api.base_url
        command = [
            str(Path(sys.executable).with_name("st")),
            "--config-file",
            str(ROOT / "schemathesis.toml"),
            "run",
            f"{base_url}/openapi.yaml",
            "--url",
            base_url,
            "--checks",
            CHECKS,
            "--phases",
            PHASES,
            "--max-examples",
            str(arguments.max_examples),
            "--workers",
            "2",
        ]
        if arguments.seed:
            command += ["--seed", str(arguments.seed)]
        status = subprocess.run(command, cwd=ROOT, check=False).returncode
        if status != 0:
            print(f"the local API's console is in {log}", file=sys.stderr)
        return status


if __name__ == "__main__":
    sys.exit(main())
