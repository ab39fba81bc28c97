"""`make test-future`'s runner (devtools/future_clock.py): what it passes on, and that a missing
datefudge is a skip on a developer's machine and a failure in CI."""

from __future__ import annotations

import time

import pytest

from devtools import future_clock


def test_given_an_unshifted_process_when_building_a_child_s_environment_then_no_preload_is_passed_on() -> None:
    assert future_clock.shift_environment({"LD_PRELOAD": "/usr/lib/other.so", "PATH": "/bin"}) == {}


def test_given_a_shifted_process_when_building_a_child_s_environment_then_the_preload_and_offset_are_passed_on() -> (
    None
):
    environment = {"LD_PRELOAD": "/usr/lib/x/datefudge/datefudge.so", "DATEFUDGE": "-86400", "PATH": "/bin"}
    assert future_clock.shift_environment(environment) == {
        "LD_PRELOAD": "/usr/lib/x/datefudge/datefudge.so",
        "DATEFUDGE": "-86400",
    }


def test_given_days_when_shifting_an_environment_then_datefudge_counts_seconds_back_and_the_run_is_announced() -> None:
    before = int(time.time())
    shifted = future_clock.shifted(400, "/lib/datefudge.so", {"LD_PRELOAD": "/lib/other.so", "HOME": "/root"})
    assert shifted["LD_PRELOAD"] == "/lib/datefudge.so:/lib/other.so", "kept, after ours"
    assert shifted["DATEFUDGE"] == str(-400 * 86_400)
    assert shifted[future_clock.DAYS_VARIABLE] == "400"
    assert before <= int(shifted[future_clock.FROM_VARIABLE]) <= time.time()
    assert shifted["HOME"] == "/root"


@pytest.mark.parametrize(("required", "exit_code"), [(None, 0), ("1", 1)])
def test_given_no_datefudge_when_running_then_skipped_here_and_failed_where_required(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], required: str | None, exit_code: int
) -> None:
    monkeypatch.setattr(future_clock, "library", lambda: None)
    if required is None:
        monkeypatch.delenv(future_clock.REQUIRED_BY, raising=False)
    else:
        monkeypatch.setenv(future_clock.REQUIRED_BY, required)
    assert future_clock.run(400, ["tests/unit"]) == exit_code
    assert "datefudge is not installed (make datefudge" in capsys.readouterr().err


def test_given_a_preload_that_does_not_move_the_clock_when_running_then_nothing_runs_and_it_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A library that is no datefudge: the fresh interpreter's clock is today's, so the run stops there.
    monkeypatch.setattr(future_clock, "library", lambda: "")
    assert future_clock.run(400, ["tests/unit"]) == 1
    assert "did not move the clock 400 days" in capsys.readouterr().err
