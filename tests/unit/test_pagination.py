"""nextToken: opaque, signed, bound to its listing."""

from __future__ import annotations

import base64
import json

import pytest

from instance_api.errors import BadRequest
from instance_api.pagination import PageTokens

KEY = b"k" * 32
LAST = {"name": "web-2", "namespace": "team-a"}


def test_given_a_token_when_decoding_it_for_its_listing_then_the_last_key_comes_back() -> None:
    tokens = PageTokens(KEY)
    assert tokens.decode(tokens.encode("team-a", LAST), "team-a") == LAST


def test_given_a_token_of_the_unscoped_listing_when_decoding_it_there_then_it_is_accepted() -> None:
    tokens = PageTokens(KEY)
    assert tokens.decode(tokens.encode(None, {"name": "a"}), None) == {"name": "a"}


def test_given_a_token_when_reading_it_then_no_raw_dynamodb_key_shows() -> None:
    token = PageTokens(KEY).encode("team-a", LAST)
    assert '"S"' not in token
    assert "team-a" not in token


@pytest.mark.parametrize("other_scope", ["team-b", None])
def test_given_a_token_from_another_listing_when_decoding_then_it_is_rejected(other_scope: str | None) -> None:
    tokens = PageTokens(KEY)
    with pytest.raises(BadRequest):
        tokens.decode(tokens.encode("team-a", LAST), other_scope)


def test_given_a_token_signed_by_another_deployment_when_decoding_then_it_is_rejected() -> None:
    foreign = PageTokens(b"f" * 32).encode("team-a", LAST)
    with pytest.raises(BadRequest):
        PageTokens(KEY).decode(foreign, "team-a")


def test_given_a_token_whose_payload_was_edited_when_decoding_then_it_is_rejected() -> None:
    version, _, mac = PageTokens(KEY).encode("team-a", LAST).split(".")
    forged = base64.urlsafe_b64encode(json.dumps({"s": "team-a", "k": {"name": "zzz"}}).encode()).decode().rstrip("=")
    with pytest.raises(BadRequest):
        PageTokens(KEY).decode(f"{version}.{forged}.{mac}", "team-a")


@pytest.mark.parametrize("garbage", ["", "x", "v1", "v1..", "v2.abc.def", "v1.!!!.???", "v1.e30.AAAA", "ü.ü.ü"])
def test_given_garbage_when_decoding_then_it_is_rejected_as_a_bad_request(garbage: str) -> None:
    with pytest.raises(BadRequest, match="nextToken is not valid for this listing"):
        PageTokens(KEY).decode(garbage, None)


@pytest.mark.parametrize("payload", [[], {"s": None}, {"s": None, "k": []}, {"s": None, "k": {"name": 1}}])
def test_given_a_validly_signed_token_of_the_wrong_shape_when_decoding_then_it_is_rejected(payload: object) -> None:
    tokens = PageTokens(KEY)
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    token = f"v1.{body}.{tokens._mac(f'v1.{body}')}"
    with pytest.raises(BadRequest):
        tokens.decode(token, None)


def test_given_a_short_key_when_building_the_codec_then_it_refuses() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        PageTokens(b"short")
