"""Properties of the validators, over generated inputs (hypothesis).

Valid DNS labels, host ids and image references are accepted; mutated ones are rejected; and
no input of any shape makes request parsing raise anything but a validation error.
"""

from __future__ import annotations

import contextlib
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from instance_api.domain import image_reference
from instance_api.http.models import CreateInstanceRequest, UpdateInstanceRequest, check_dns_label

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

dns_labels = st.from_regex(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", fullmatch=True)
alphanumeric = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
separators = st.sampled_from([".", "_", "__", "-", "--"])
path_components = st.builds(
    lambda first, rest: first + "".join(separator + part for separator, part in rest),
    alphanumeric,
    st.lists(st.tuples(separators, alphanumeric), max_size=2),
)
registries = st.one_of(
    st.none(),
    st.builds(
        lambda host, port: host + port,
        st.sampled_from(["registry.example.com", "localhost", "10.0.0.1"]),
        st.sampled_from(["", ":5000"]),
    ),
)
tags = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True)
digests = st.builds(lambda hexes: "sha256:" + hexes, st.text(alphabet="0123456789abcdef", min_size=64, max_size=64))


@st.composite
def image_references(draw: st.DrawFn) -> str:
    registry = draw(registries)
    path = "/".join(draw(st.lists(path_components, min_size=1, max_size=3)))
    reference = f"{registry}/{path}" if registry else path
    if draw(st.booleans()):
        reference += ":" + draw(tags)
    if draw(st.booleans()):
        reference += "@" + draw(digests)
    return reference


@PROPERTY_SETTINGS
@given(dns_labels)
def test_given_any_dns_label_when_checking_then_it_is_accepted(label: str) -> None:
    assert check_dns_label(label) == label


@PROPERTY_SETTINGS
@given(dns_labels, st.integers(min_value=0), st.sampled_from(list("A_. !/:@Zé")))
def test_given_a_dns_label_with_a_foreign_character_when_checking_then_it_is_rejected(
    label: str, position: int, foreign: str
) -> None:
    index = position % (len(label) + 1)
    with pytest.raises(PydanticCustomError):
        check_dns_label(label[:index] + foreign + label[index:])


@PROPERTY_SETTINGS
@given(dns_labels)
def test_given_a_dns_label_with_a_hyphen_at_an_end_or_past_63_when_checking_then_it_is_rejected(label: str) -> None:
    for mutated in ("-" + label, label + "-", label + "a" * (64 - len(label))):
        with pytest.raises(PydanticCustomError):
            check_dns_label(mutated)


@PROPERTY_SETTINGS
@given(image_references())
def test_given_any_image_reference_of_the_grammar_when_checking_then_it_is_accepted(reference: str) -> None:
    assert image_reference.problem(reference) is None
    assert re.match(image_reference.JSON_SCHEMA_PATTERN, reference), "the OpenAPI pattern accepts it too"


@PROPERTY_SETTINGS
@given(image_references(), st.integers(min_value=0), st.sampled_from([" ", "!", "//", "\n", "é", "$", "@@"]))
def test_given_an_image_reference_with_a_foreign_sequence_when_checking_then_it_is_rejected(
    reference: str, position: int, foreign: str
) -> None:
    index = position % (len(reference) + 1)
    assert image_reference.problem(reference[:index] + foreign + reference[index:]) is not None


@PROPERTY_SETTINGS
@given(image_references(), path_components)
def test_given_an_uppercase_repository_path_when_checking_then_it_is_rejected(reference: str, component: str) -> None:
    assert image_reference.problem(f"{reference.split('@')[0].split(':')[0]}/{component.upper()}X") is not None


@PROPERTY_SETTINGS
@given(st.text(max_size=600))
def test_given_any_text_when_checking_an_image_reference_then_it_answers_without_raising(text: str) -> None:
    outcome = image_reference.problem(text)
    assert outcome is None or isinstance(outcome, str)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
request_like = st.dictionaries(
    st.sampled_from(["name", "namespace", "spec", "shareStorage", "hostIDs", "version", "extra"]),
    json_values | st.fixed_dictionaries({"image": json_values}),
    max_size=6,
)


@PROPERTY_SETTINGS
@given(st.one_of(st.binary(max_size=200), request_like.map(lambda body: json.dumps(body).encode())))
def test_given_any_body_when_validating_then_it_parses_or_raises_a_validation_error_only(body: bytes) -> None:
    for model in (CreateInstanceRequest, UpdateInstanceRequest):
        with contextlib.suppress(ValidationError):  # anything else fails the test
            model.model_validate_json(body)
