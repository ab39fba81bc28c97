"""make bench measures every function in template.yaml (decision 109): one case each, or it stops."""

from __future__ import annotations

import copy

import pytest

from bench.cold_start import CASES, check_cases
from devtools.template import Template


def test_given_the_template_when_checking_the_bench_cases_then_every_function_has_exactly_one() -> None:
    template = Template.load()
    check_cases(template)
    assert set(CASES) == set(template.functions())
    assert len({case.label for case in CASES.values()}) == len(CASES), "one row label per function"


def test_given_a_function_without_a_case_when_the_bench_starts_then_it_stops_naming_the_function() -> None:
    template = Template.load()
    raw = copy.deepcopy(template.raw)
    raw["Resources"]["NewFunction"] = copy.deepcopy(raw["Resources"]["GetInstanceFunction"])
    with pytest.raises(RuntimeError, match=r"no case for \['NewFunction'\]"):
        check_cases(Template(raw=raw))


def test_given_a_case_whose_function_left_the_template_when_the_bench_starts_then_it_stops() -> None:
    raw = copy.deepcopy(Template.load().raw)
    del raw["Resources"]["RouteFallbackFunction"]
    with pytest.raises(RuntimeError, match=r"no function for \['RouteFallbackFunction'\]"):
        check_cases(Template(raw=raw))
