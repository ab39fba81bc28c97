"""docs/errors.md: every example body is one the API documents for its status."""

from __future__ import annotations

import json
from typing import Any

import pytest

from instance_api.http.routes import INSTANCE_PATH
from tests.openapi_document import DOCUMENT, answers, validator
from tests.support import marked
from tests.unit.test_openapi import REASONS

METHODS = {"create": "post", "update": "put", "get": "get", "list": "get", "delete": "delete", "request": "get"}


def examples() -> list[dict[str, Any]]:
    return [json.loads(line) for line in marked("docs/errors.md", "errors").splitlines() if line.startswith("{")]


@pytest.mark.parametrize("body", examples(), ids=lambda body: f"{body['code']}-{body['data']['reason']}")
def test_given_each_example_error_body_when_validating_it_then_it_matches_the_document(body: dict[str, Any]) -> None:
    operation = DOCUMENT["paths"][INSTANCE_PATH][METHODS[body["message"].removesuffix(" failed")]]
    (answer,) = [answer for answer in answers(operation) if answer.status == body["code"]]
    validator(answer.schema).validate(body)
    assert body["data"]["reason"] in answer.reasons, "a reason the document shows for this status"


def test_given_the_examples_when_listing_them_then_every_status_and_reason_has_one() -> None:
    shown = {(body["code"], body["data"]["reason"]) for body in examples()}
    expected = {(status, reason) for status, reasons in REASONS.items() for reason in reasons}
    assert shown == expected
