"""What each function loads at import: the bench's cold-start gains, pinned structurally.

A fresh interpreter imports each handler and reports which heavy packages it loaded. These
are facts about imports, not timings (make bench measures those).
"""

from __future__ import annotations

import pytest

from devtools.fresh_interpreter import HandlerRun
from devtools.lambda_environment import lambda_environment
from devtools.template import LOCAL_REGION, ROOT, Template

HEAVY = ("pydantic", "boto3", "aws_xray_sdk", "instance_api.http.idempotency", "instance_api.http.models", "moto")


def loaded_at_import(logical_id: str) -> set[str]:
    spec = Template.load().functions()[logical_id]
    # From sources: the venv's site-packages stand in for the layer's dependencies.
    run = HandlerRun(
        [spec.code_uri, *spec.layer_paths],
        lambda_environment(spec, {"AWS_DEFAULT_REGION": LOCAL_REGION}),
        loaded=HEAVY,
        flags=("-I",),
        cwd=ROOT,
    )
    return set(run.report()["loaded"])


@pytest.mark.parametrize(
    ("logical_id", "expected"),
    [
        ("GetInstanceFunction", set()),
        ("RouteFallbackFunction", set()),
        ("CreateInstanceFunction", {"pydantic", "instance_api.http.models"}),
        ("UpdateInstanceFunction", {"pydantic", "instance_api.http.models"}),
        ("DeleteInstanceFunction", set()),
    ],
)
def test_given_each_function_when_imported_then_it_loads_only_what_its_requests_need(
    logical_id: str, expected: set[str]
) -> None:
    # No function imports boto3 (botocore builds the client), the X-Ray SDK, or the
    # idempotency utility (only a create with the header loads it); get, delete and the route
    # fallback read no body with the request models, so they load no pydantic either.
    assert loaded_at_import(logical_id) == expected
