"""The `{code, message, data}` envelope and the error-to-status mapping."""

from __future__ import annotations

import pytest

from instance_api import errors
from instance_api.envelope import error_body, success_body


def test_given_a_success_when_wrapping_then_code_is_200_and_message_says_succeed() -> None:
    assert success_body("create", {"name": "a"}) == {"code": 200, "message": "create succeed", "data": {"name": "a"}}


def test_given_an_update_success_when_wrapping_then_the_message_says_update_not_the_seed_slip() -> None:
    assert success_body("update", {})["message"] == "update succeed"


@pytest.mark.parametrize(
    ("error", "status", "reason"),
    [
        (errors.BadRequest("x"), 400, "BadRequest"),
        (errors.InvalidRequest("x"), 400, "Invalid"),
        (errors.NotFound("x"), 404, "NotFound"),
        (errors.MethodNotAllowed("x"), 405, "MethodNotAllowed"),
        (errors.AlreadyExists("x"), 409, "AlreadyExists"),
        (errors.Conflict("x"), 409, "Conflict"),
        (errors.PayloadTooLarge("x"), 413, "PayloadTooLarge"),
        (errors.UnsupportedMediaType("x"), 415, "UnsupportedMediaType"),
        (errors.InternalError(), 500, "InternalError"),
        (errors.Unavailable(), 503, "Unavailable"),
    ],
)
def test_given_each_error_when_wrapping_then_code_message_and_reason_follow_the_spec(
    error: errors.ApiError, status: int, reason: str
) -> None:
    body = error_body("delete", error, "req-1")
    assert body["code"] == status
    assert body["message"] == "delete failed"
    assert body["data"] == {"error": error.message, "reason": reason, "requestId": "req-1"}


def test_given_a_validation_error_when_wrapping_then_details_carry_field_and_message() -> None:
    error = errors.InvalidRequest("spec.image is bad", details=[{"field": "spec.image", "message": "is bad"}])
    assert error_body("create", error, "r")["data"]["details"] == [{"field": "spec.image", "message": "is bad"}]


def test_given_an_internal_error_when_wrapping_then_the_sentence_is_generic() -> None:
    message = error_body("get", errors.InternalError(), "r")["data"]["error"]
    assert message == "the server failed to process the request; quote the requestId when reporting it"


def test_given_unavailable_when_wrapping_then_it_asks_to_retry_after_a_delay() -> None:
    assert errors.Unavailable().headers == {"Retry-After": "1"}
