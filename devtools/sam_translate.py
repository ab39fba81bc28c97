"""template.yaml as the CloudFormation `sam deploy` sends, translated offline by aws-sam-translator.

    .venv-sam/bin/python -I devtools/sam_translate.py TEMPLATE < POLICIES_JSON > CLOUDFORMATION_JSON

The translation is `sam validate`'s own (samcli's SamTemplateValidator over the
aws-sam-translator it pins), so the routes, method auth, Lambda permissions and roles read
from the result are what SAM generates, not what the SAM source suggests. It runs in
.venv-sam, in a process of its own: aws-sam-translator pins pydantic ~=2.13 and the layer
(so the dev venv) pins 2.14, so the translator cannot be installed next to the code it checks.

SAM asks IAM's ListPolicies for AWS managed policy names only when a template names one by
name instead of by ARN; here that loader answers from POLICIES_JSON ({name: ARN}, AWS's
list as moto ships it: `translate()` passes it), so nothing reaches AWS. This file runs
with -I (its folder is not on sys.path) and imports only the standard library until main().
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

_LOCAL_REGION = "us-east-1"


class OfflinePolicyLoader:
    """SAM's ManagedPolicyLoader interface (`load()` -> {name: ARN}) over a given map."""

    def __init__(self, policies: dict[str, str]) -> None:
        self._policies = policies

    def load(self) -> dict[str, str]:
        return self._policies


def aws_managed_policies() -> dict[str, str]:
    """Every AWS managed policy, name -> ARN (aws partition), from moto's copy of AWS's list."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    policies: dict[str, dict[str, Any]] = json.loads(aws_managed_policies_data)
    return {name: f"arn:aws:iam::aws:policy{policy['Path']}{name}" for name, policy in policies.items()}


def translate(template: Path | None = None) -> dict[str, Any]:
    """`template` (template.yaml) translated to CloudFormation by .venv-sam's aws-sam-translator."""
    import os
    import subprocess

    from devtools.template import ROOT, TEMPLATE_PATH

    python = ROOT / ".venv-sam" / "bin" / "python"
    if not python.exists():
        raise RuntimeError("aws-sam-translator is not installed: run `make install` (it lives in .venv-sam)")
    result = subprocess.run(
        [str(python), "-I", __file__, str(template or TEMPLATE_PATH)],
        input=json.dumps(aws_managed_policies()),
        capture_output=True,
        text=True,
        env={**os.environ, "AWS_DEFAULT_REGION": _LOCAL_REGION, "SAM_CLI_TELEMETRY": "0"},
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"aws-sam-translator failed:\n{result.stderr}")
    translated: dict[str, Any] = json.loads(result.stdout)
    return translated


def main(template: str) -> None:
    """In .venv-sam: translate `template` with the managed policies on stdin; JSON to stdout."""
    from samcli.lib.translate.sam_template_validator import SamTemplateValidator
    from samcli.yamlhelper import yaml_parse

    loader = OfflinePolicyLoader(json.load(sys.stdin))
    validator = SamTemplateValidator(
        yaml_parse(Path(template).read_text(encoding="utf-8")), loader, region=_LOCAL_REGION
    )
    json.dump(yaml_parse(validator.get_translated_template_if_valid()), sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
