"""samconfig.toml: a dev and a prod environment, each overriding only real template parameters."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from devtools.template import ROOT
from tests.unit.test_template import RAW

CONFIG: dict[str, Any] = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))


def overrides(environment: str) -> dict[str, str]:
    pairs = CONFIG[environment]["deploy"]["parameters"]["parameter_overrides"]
    return dict(pair.split("=", 1) for pair in pairs)


@pytest.mark.parametrize(("environment", "stack"), [("default", "instance-api-dev"), ("prod", "instance-api-prod")])
def test_given_each_environment_when_reading_it_then_it_names_its_own_stack(environment: str, stack: str) -> None:
    assert CONFIG[environment]["global"]["parameters"]["stack_name"] == stack
    assert CONFIG[environment]["deploy"]["parameters"]["capabilities"] == "CAPABILITY_IAM"


@pytest.mark.parametrize("environment", ["default", "prod"])
def test_given_each_environment_when_reading_its_overrides_then_each_is_an_allowed_template_parameter(
    environment: str,
) -> None:
    for name, value in overrides(environment).items():
        parameter = RAW["Parameters"][name]
        if "AllowedValues" in parameter:
            assert value in [str(allowed) for allowed in parameter["AllowedValues"]], name


def test_given_prod_when_deploying_then_the_change_set_is_confirmed_and_data_protected() -> None:
    prod = CONFIG["prod"]["deploy"]["parameters"]
    assert prod["confirm_changeset"] is True
    assert overrides("prod")["TableDeletionProtection"] == "true"
    assert overrides("prod")["StageName"] == "prod"


def test_given_the_makefile_when_deploying_then_it_builds_then_deploys_the_chosen_environment() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "ENV ?= default" in makefile
    assert "deploy: build" in makefile
    assert "$(SAM) deploy --config-env $(ENV)" in makefile
