"""docs/errors.md: every example body is one the API documents for its status."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from devtools.openapi import OPENAPI_PATH, STATUSES
from tests.support import marked

DOCUMENT: dict[str, Any] = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))
REGISTRY = Registry().with_resource("urn:openapi", Resource.from_contents(DOCUMENT, default_specification=DRAFT202012))
METHODS = {"create": "post", "update": "put", "get": "get", "list": "get", "delete": "delete", "request": "get"}


def examples() -> list[dict[str, Any]]:
    return [json.loads(line) for line in marked("docs/errors.md", "errors").splitlines() if line.startswith("{")]


@pytest.mark.parametrize("body", examples(), ids=lambda body: f"{body['code']}-{body['data']['reason']}")
def test_given_each_example_error_body_when_validating_it_then_it_matches_the_document(body: dict[str, Any]) -> None:
    method = METHODS[body["message"].removesuffix(" failed")]
    pointer = f"/paths/~1api~1v1~1instance/{method}/responses/{body['code']}/content/application~1json/schema"
    validator = jsonschema.Draft202012Validator({"$ref": f"urn:openapi#{pointer}"}, registry=REGISTRY)
    validator.validate(body)


def test_given_the_examples_when_listing_them_then_every_status_and_reason_has_one() -> None:
    shown = {(body["code"], body["data"]["reason"]) for body in examples()}
    expected = {(status, reason) for status, (_, reasons) in STATUSES.items() for reason in reasons}
    assert shown == expected
