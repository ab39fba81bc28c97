"""nextToken: opaque, signed, bound to its listing, and valid across one key rotation."""

from __future__ import annotations

import base64
import json

import pytest

from instance_api.domain.errors import Malformed
from instance_api.domain.keys import CURRENT, PREVIOUS, RotatingKey
from instance_api.domain.pagination import PageTokens, _mac

KEY = b"k" * 32
LAST = {"name": "web-2", "namespace": "team-a"}


class Secret:
    """A secret's versions, as Secrets Manager keeps them: rotating makes the current previous."""

    def __init__(self, value: bytes) -> None:
        self.stages: dict[str, bytes] = {CURRENT: value}
        self.reads = 0

    def rotate(self, value: bytes) -> None:
        self.stages = {CURRENT: value, PREVIOUS: self.stages[CURRENT]}

    def fetch(self, stage: str) -> bytes | None:
        self.reads += 1
        return self.stages.get(stage)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def tokens_for(secret: Secret, clock: Clock | None = None) -> PageTokens:
    return PageTokens(RotatingKey(secret.fetch, max_age=300, min_refresh=5, clock=clock or Clock()))


def signed_with(key: bytes) -> PageTokens:
    return tokens_for(Secret(key))


def test_given_a_token_when_decoding_it_for_its_listing_then_the_last_key_comes_back() -> None:
    tokens = signed_with(KEY)
    assert tokens.decode(tokens.encode("team-a", LAST), "team-a") == LAST


def test_given_a_token_of_the_unscoped_listing_when_decoding_it_there_then_it_is_accepted() -> None:
    tokens = signed_with(KEY)
    assert tokens.decode(tokens.encode(None, {"name": "a"}), None) == {"name": "a"}


def test_given_a_token_when_reading_it_then_no_raw_dynamodb_key_shows() -> None:
    token = signed_with(KEY).encode("team-a", LAST)
    assert '"S"' not in token
    assert "team-a" not in token


@pytest.mark.parametrize("other_scope", ["team-b", None])
def test_given_a_token_from_another_listing_when_decoding_then_it_is_rejected(other_scope: str | None) -> None:
    tokens = signed_with(KEY)
    with pytest.raises(Malformed):
        tokens.decode(tokens.encode("team-a", LAST), other_scope)


def test_given_a_token_signed_by_another_deployment_when_decoding_then_it_is_rejected() -> None:
    foreign = signed_with(b"f" * 32).encode("team-a", LAST)
    with pytest.raises(Malformed):
        signed_with(KEY).decode(foreign, "team-a")


def test_given_a_token_whose_payload_was_edited_when_decoding_then_it_is_rejected() -> None:
    version, _, mac = signed_with(KEY).encode("team-a", LAST).split(".")
    forged = base64.urlsafe_b64encode(json.dumps({"s": "team-a", "k": {"name": "zzz"}}).encode()).decode().rstrip("=")
    with pytest.raises(Malformed):
        signed_with(KEY).decode(f"{version}.{forged}.{mac}", "team-a")


@pytest.mark.parametrize("garbage", ["", "x", "v1", "v1..", "v2.abc.def", "v1.!!!.???", "v1.e30.AAAA", "ü.ü.ü"])
def test_given_garbage_when_decoding_then_it_is_rejected_as_a_bad_request(garbage: str) -> None:
    with pytest.raises(Malformed, match="nextToken is not valid for this listing"):
        signed_with(KEY).decode(garbage, None)


@pytest.mark.parametrize("payload", [[], {"s": None}, {"s": None, "k": []}, {"s": None, "k": {"name": 1}}])
def test_given_a_validly_signed_token_of_the_wrong_shape_when_decoding_then_it_is_rejected(payload: object) -> None:
    tokens = signed_with(KEY)
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    token = f"v1.{body}.{_mac(KEY, f'v1.{body}')}"
    with pytest.raises(Malformed):
        tokens.decode(token, None)


def test_given_a_short_key_when_signing_then_it_refuses() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        signed_with(b"short").encode(None, {"name": "a"})


# -- rotation --------------------------------------------------------------------------------


def test_given_a_token_issued_before_a_rotation_when_decoding_after_it_then_it_is_accepted() -> None:
    secret, clock = Secret(KEY), Clock()
    tokens = tokens_for(secret, clock)
    issued = tokens.encode("team-a", LAST)
    secret.rotate(b"n" * 32)
    clock.now += 301  # the cached keys have aged out
    assert tokens.decode(issued, "team-a") == LAST
    assert tokens.encode("team-a", LAST) != issued, "new tokens are signed with the new key"


def test_given_a_token_signed_with_a_key_two_rotations_old_when_decoding_then_it_is_rejected() -> None:
    secret, clock = Secret(KEY), Clock()
    tokens = tokens_for(secret, clock)
    issued = tokens.encode("team-a", LAST)
    secret.rotate(b"n" * 32)
    secret.rotate(b"m" * 32)
    clock.now += 301
    with pytest.raises(Malformed):
        tokens.decode(issued, "team-a")


def test_given_a_container_with_old_keys_when_a_newer_token_arrives_then_it_reads_the_keys_again() -> None:
    secret, clock = Secret(KEY), Clock()
    stale = tokens_for(secret, clock)
    stale.encode(None, {"name": "a"})  # this container read the key a minute ago
    clock.now += 60
    secret.rotate(b"n" * 32)
    newer = tokens_for(secret).encode(None, {"name": "a"})  # another container, after the rotation
    assert stale.decode(newer, None) == {"name": "a"}


def test_given_forged_tokens_when_decoding_many_then_the_keys_are_not_read_for_each() -> None:
    secret, clock = Secret(KEY), Clock()
    tokens = tokens_for(secret, clock)
    tokens.encode(None, {"name": "a"})
    reads = secret.reads
    forged = signed_with(b"f" * 32).encode(None, {"name": "a"})
    for _ in range(50):
        with pytest.raises(Malformed):
            tokens.decode(forged, None)
    assert secret.reads == reads + 1, "AWSPREVIOUS read once; within min_refresh nothing is read again"
    clock.now += 6
    with pytest.raises(Malformed):
        tokens.decode(forged, None)
    assert secret.reads == reads + 2, "after it, AWSCURRENT is read again once"


def test_given_tokens_signed_with_the_current_key_when_listing_then_one_secret_read_serves_them() -> None:
    secret = Secret(KEY)
    tokens = tokens_for(secret)
    for _ in range(5):
        assert tokens.decode(tokens.encode("team-a", LAST), "team-a") == LAST
    assert secret.reads == 1, "AWSPREVIOUS is read only when a token needs it"


def test_given_secrets_manager_failing_when_a_forged_token_comes_then_it_is_still_a_400() -> None:
    secret, clock = Secret(KEY), Clock()
    tokens = tokens_for(secret, clock)
    issued = tokens.encode(None, {"name": "a"})
    forged = signed_with(b"f" * 32).encode(None, {"name": "a"})
    with pytest.raises(Malformed):
        tokens.decode(forged, None)  # both stages read while Secrets Manager answers
    secret.stages = {}  # now every read fails: no version has either stage
    clock.now += 6  # past min_refresh: the next bad token would re-read the keys
    with pytest.raises(Malformed, match="not valid for this listing"):
        tokens.decode(forged, None)
    assert tokens.decode(issued, None) == {"name": "a"}, "the keys read before still serve"
