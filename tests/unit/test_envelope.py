"""The `{code, message, data}` envelope, and the one table from an outcome to status, reason and headers."""

from __future__ import annotations

import pytest

from instance_api.domain import errors
from instance_api.http import errors as http_errors
from instance_api.http.answers import INTERNAL, KINDS, UNAVAILABLE, answer_for
from instance_api.http.envelope import error_body, success_body


def test_given_a_success_when_wrapping_then_code_is_200_and_message_says_succeed() -> None:
    assert success_body("create", {"name": "a"}) == {"code": 200, "message": "create succeed", "data": {"name": "a"}}


def test_given_an_update_success_when_wrapping_then_the_message_says_update_not_the_seed_slip() -> None:
    assert success_body("update", {})["message"] == "update succeed"


ANSWERS: list[tuple[Exception, int, str]] = [
    (errors.Malformed("x"), 400, "BadRequest"),
    (errors.Invalid.field("spec.image", "x"), 400, "Invalid"),
    (errors.NamespaceMismatch(), 400, "Invalid"),
    (errors.OutOfScope(), 400, "Invalid"),
    (errors.NotFound("x"), 404, "NotFound"),
    (http_errors.MethodNotAllowed("x"), 405, "MethodNotAllowed"),
    (errors.AlreadyExists("x"), 409, "AlreadyExists"),
    (errors.Conflict("x"), 409, "Conflict"),
    (http_errors.RequestInProgress(), 409, "Conflict"),
    (http_errors.PayloadTooLarge("x"), 413, "PayloadTooLarge"),
    (http_errors.UnsupportedMediaType("x"), 415, "UnsupportedMediaType"),
    (http_errors.IdempotencyKeyReused(), 422, "Invalid"),
    (errors.Fault("x"), 500, "InternalError"),
    (RuntimeError("x"), 500, "InternalError"),
    (errors.Unavailable("x"), 503, "Unavailable"),
]


@pytest.mark.parametrize(("error", "status", "reason"), ANSWERS)
def test_given_each_outcome_when_answering_then_code_message_and_reason_follow_the_contract(
    error: Exception, status: int, reason: str
) -> None:
    answer = answer_for(error)
    body = error_body("delete", answer, "req-1")
    assert body["code"] == status
    assert body["message"] == "delete failed"
    assert {key: body["data"][key] for key in ("reason", "requestId")} == {"reason": reason, "requestId": "req-1"}


def test_given_the_table_when_listing_its_kinds_then_each_is_answered_by_an_example_above() -> None:
    assert set(KINDS) <= {type(error) for error, _, _ in ANSWERS} | {errors.DomainError}


def test_given_a_validation_error_when_wrapping_then_details_carry_field_and_message() -> None:
    answer = answer_for(errors.Invalid.field("spec.image", "is bad"))
    assert answer.message == "spec.image is bad"
    assert error_body("create", answer, "r")["data"]["details"] == [{"field": "spec.image", "message": "is bad"}]


@pytest.mark.parametrize("error", [errors.Fault("DynamoDB Scan failed with AccessDenied"), KeyError("secret")])
def test_given_a_fault_or_a_bug_when_answering_then_the_sentence_is_generic(error: Exception) -> None:
    answer = answer_for(error)
    assert (
        answer.message == INTERNAL == "the server failed to process the request; quote the requestId when reporting it"
    )
    assert "AccessDenied" not in answer.message


def test_given_unavailable_when_answering_then_it_asks_to_retry_after_a_delay_and_names_no_cause() -> None:
    answer = answer_for(errors.Unavailable("DynamoDB GetItem failed with ThrottlingException"))
    assert (answer.message, answer.headers) == (UNAVAILABLE, {"Retry-After": "1"})


def test_given_a_request_in_progress_when_answering_then_retry_after_too() -> None:
    assert answer_for(http_errors.RequestInProgress()).headers == {"Retry-After": "1"}


def test_given_a_method_not_allowed_with_the_allowed_ones_when_answering_then_the_allow_header_names_them() -> None:
    assert answer_for(http_errors.MethodNotAllowed("no", "GET, PUT")).headers == {"Allow": "GET, PUT"}
    assert answer_for(http_errors.MethodNotAllowed("no")).headers == {}
