"""On a terminal, people get tables and a progress bar; through a pipe, programs get JSON only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from instancectl.cli import PROGRESS_MIN_FILES
from tests.client.conftest import unique
from tests.client.terminal import instancectl
from tests.http.local_api import LocalApi


def _instance_files(directory: Path, count: int) -> list[str]:
    names = [unique("tty") for _ in range(count)]
    for index, name in enumerate(names):
        (directory / f"{index:02d}.yaml").write_text(f"name: {name}\n", encoding="utf-8")
    return names


def test_given_stdout_is_a_terminal_when_listing_then_a_table_is_printed(local_api: LocalApi, tmp_path: Path) -> None:
    (name,) = _instance_files(tmp_path, 1)
    assert instancectl("apply", "-f", str(tmp_path), endpoint=local_api.base_url).exit_code == 0
    shown = instancectl("get", name, endpoint=local_api.base_url, stdout_terminal=True)
    assert shown.exit_code == 0
    header, row = shown.stdout.splitlines()
    assert header.split() == ["NAME", "NAMESPACE", "IMAGE", "HOSTS", "SHARED", "VERSION"]
    assert row.split() == [name, "default", "-", "-", "false", "1"]
    indented = instancectl("get", name, "-o", "json", endpoint=local_api.base_url, stdout_terminal=True)
    assert json.loads(indented.stdout)["name"] == name
    assert indented.stdout.startswith("{\n  ")  # JSON for a person is indented


def test_given_a_page_with_more_on_a_terminal_when_listing_then_stderr_says_how_to_continue(
    local_api: LocalApi, tmp_path: Path
) -> None:
    _instance_files(tmp_path, 2)
    assert instancectl("apply", "-f", str(tmp_path), endpoint=local_api.base_url).exit_code == 0
    listed = instancectl(
        "list", "--limit", "1", endpoint=local_api.base_url, stdout_terminal=True, stderr_terminal=True
    )
    assert listed.exit_code == 0
    assert listed.stderr.startswith("more: --next-token v1.")
    assert listed.stderr.rstrip().endswith("(or --all)")


@pytest.mark.parametrize(("files", "stderr_terminal", "bar"), [(PROGRESS_MIN_FILES + 2, True, True),
                                                               (PROGRESS_MIN_FILES + 2, False, False),
                                                               (PROGRESS_MIN_FILES - 1, True, False)])  # fmt: skip
def test_given_a_directory_of_files_when_applying_then_a_progress_bar_shows_only_on_a_terminal_with_many_files(
    files: int, stderr_terminal: bool, bar: bool, local_api: LocalApi, tmp_path: Path
) -> None:
    names = _instance_files(tmp_path, files)
    applied = instancectl("apply", "-f", str(tmp_path), endpoint=local_api.base_url, stderr_terminal=stderr_terminal)
    assert applied.exit_code == 0, applied.stderr
    assert [result["instance"]["name"] for result in json.loads(applied.stdout)] == names  # stdout: JSON only
    if bar:
        assert "applying" in applied.stderr
        assert f"{files}/{files}" in applied.stderr
    else:
        assert applied.stderr == ""
