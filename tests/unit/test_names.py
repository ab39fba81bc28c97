"""Server-generated names: Kubernetes' alphabet, a letter first, from `secrets`."""

from __future__ import annotations

import secrets

import pytest

from instance_api.domain import names
from instance_api.http.models import check_dns_label


def test_given_a_generated_name_when_inspecting_it_then_it_is_20_characters_of_the_alphabet() -> None:
    name = names.generate_name()
    assert len(name) == 20
    assert set(name) <= set("bcdfghjklmnpqrstvwxz2456789")


def test_given_many_generated_names_when_inspecting_them_then_each_starts_with_a_letter_and_is_a_dns_label() -> None:
    for _ in range(500):
        name = names.generate_name()
        assert name[0] in "bcdfghjklmnpqrstvwxz"
        assert check_dns_label(name) == name


def test_given_many_generated_names_when_comparing_them_then_they_are_all_different() -> None:
    assert len({names.generate_name() for _ in range(2000)}) == 2000


def test_given_the_csprng_when_generating_then_every_character_comes_from_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    picks: list[str] = []

    def last_choice(alphabet: str) -> str:
        picks.append(alphabet)
        return alphabet[-1]

    monkeypatch.setattr(secrets, "choice", last_choice)
    assert names.generate_name() == "z" + "9" * 19
    assert len(picks) == 20
