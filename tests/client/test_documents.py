"""Reading -f: files, directories, stdin; YAML and JSON; one or many instances per file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from instancectl import DocumentError, differences, read_documents
from instancectl.cli import EXIT_ERROR
from instancectl.documents import parse
from tests.client.conftest import Cli
from tests.http.proxy import InterceptingServer, Reply


def test_given_a_multi_document_yaml_file_when_reading_then_each_document_is_an_instance_in_order() -> None:
    documents = parse("name: a\n---\nname: b\nhostIDs: [h]\n---\n", "f.yaml")
    assert [(d.source, d.body) for d in documents] == [
        ("f.yaml#1", {"name": "a"}),
        ("f.yaml#2", {"name": "b", "hostIDs": ["h"]}),
    ]


def test_given_a_json_list_or_a_list_answer_when_reading_then_each_item_is_an_instance() -> None:
    assert [d.name for d in parse('[{"name": "a"}, {"name": "b"}]', "f.json")] == ["a", "b"]
    listing = '{"items": [{"name": "c", "version": 4, "createdAt": "x", "updatedAt": "y"}], "nextToken": null}'
    assert [d.body for d in parse(listing, "list.json")] == [{"name": "c"}]  # server-managed fields dropped


def test_given_a_got_instance_or_a_host_view_item_when_reading_then_what_hosts_reported_is_dropped() -> None:
    got = '{"name": "d", "version": 2, "status": {"phase": "Ready", "desired": 0, "ready": 0, "hosts": []}}'
    assert [d.body for d in parse(got, "get.json")] == [{"name": "d"}]
    item = '{"items": [{"name": "e", "hostIDs": ["h"], "hostStatus": null}], "nextToken": null}'
    assert [d.body for d in parse(item, "view.json")] == [{"name": "e", "hostIDs": ["h"]}]


def test_given_stdin_when_reading_dash_then_standard_input_is_read() -> None:
    (document,) = read_documents("-", io.StringIO("name: from-stdin\n"))
    assert (document.source, document.name) == ("<stdin>#1", "from-stdin")


def test_given_a_directory_without_instance_files_when_reading_then_it_says_which_suffixes_it_reads(
    tmp_path: Path,
) -> None:
    (tmp_path / "README.md").write_text("# not an instance", encoding="utf-8")
    with pytest.raises(DocumentError, match=r"no \.yaml, \.yml, \.json files"):
        read_documents(str(tmp_path), io.StringIO())


def test_given_a_file_that_is_not_utf8_when_reading_then_it_is_a_document_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(DocumentError, match="cannot read it"):
        read_documents(str(path), io.StringIO())


def test_given_yaml_anchors_and_merge_keys_when_reading_then_they_resolve_without_counting_as_repeats() -> None:
    text = "base: &base {shareStorage: true}\n"
    with pytest.raises(DocumentError, match="unknown field"):  # `base` itself is not an instance field
        parse(text, "f.yaml")
    (document,) = parse("- &web {name: a, hostIDs: [h]}\n", "f.yaml")
    assert document.body == {"name": "a", "hostIDs": ["h"]}


def test_given_desired_and_stored_instances_when_diffing_then_only_named_managed_fields_that_differ_count() -> None:
    stored = {
        "name": "a",
        "namespace": "n",
        "spec": {"image": "x"},
        "shareStorage": False,
        "hostIDs": ["h"],
        "version": 3,
    }
    assert differences({"name": "a"}, stored) == ()
    assert differences({"name": "a", "spec": {"image": "x"}, "hostIDs": ["h"]}, stored) == ()
    changed = differences({"name": "a", "hostIDs": ["h", "i"], "shareStorage": False}, stored)
    assert [(c.field, c.current, c.desired) for c in changed] == [("hostIDs", ["h"], ["h", "i"])]
    reordered = differences({"hostIDs": ["i", "h"]}, {**stored, "hostIDs": ["h", "i"]})
    assert [c.field for c in reordered] == ["hostIDs"]  # the API keeps the order: a new order is a change


# -- what is refused before anything is sent (issue 22) ---------------------------------------


def _write(directory: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = directory / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return directory


def _problems(source: Path | str) -> str:
    with pytest.raises(DocumentError) as raised:
        read_documents(str(source), io.StringIO())
    return str(raised.value)


def test_given_one_name_twice_in_a_file_when_reading_then_it_is_an_error_naming_both_documents(tmp_path: Path) -> None:
    path = _write(tmp_path, {"web.yaml": "name: web-1\nspec: {image: 'a:1'}\n---\nname: web-1\nspec: {image: 'a:2'}\n"})
    problem = _problems(path / "web.yaml")
    assert "web-1" in problem
    assert f"{path / 'web.yaml'}#1" in problem
    assert f"{path / 'web.yaml'}#2" in problem


def test_given_one_name_in_three_files_when_reading_the_directory_then_it_is_an_error_naming_every_file(
    tmp_path: Path,
) -> None:
    _write(tmp_path, {f"v{n}.yaml": f"name: web-1\nspec: {{image: 'a:{n}'}}\n" for n in (1, 2, 3)})
    problem = _problems(tmp_path)
    assert all(f"v{n}.yaml#1" in problem for n in (1, 2, 3)), problem


def test_given_a_json_file_indented_with_tabs_when_reading_then_it_is_read_as_json(tmp_path: Path) -> None:
    _write(tmp_path, {"web.json": '{\n\t"name": "web-1",\n\t"hostIDs": [\n\t\t"h-1"\n\t]\n}\n'})
    (document,) = read_documents(str(tmp_path / "web.json"), io.StringIO())
    assert document.body == {"name": "web-1", "hostIDs": ["h-1"]}


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "web-1", "hostIDs": ["h-1",]}',
        '{"name": "web-1",}',
        '{"name": "web-1", "name": "web-2"}',
        '{"name": "web-1", "shareStorage": NaN}',
        "name: web-1\n",
    ],
    ids=["trailing-comma-in-list", "trailing-comma-in-object", "repeated-key", "nan", "yaml"],
)
def test_given_a_json_file_that_is_not_strict_json_when_reading_then_it_is_refused_as_json(
    tmp_path: Path, text: str
) -> None:
    _write(tmp_path, {"web.json": text})
    assert "not valid JSON" in _problems(tmp_path / "web.json")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("web.json", '{"name": "web-1", "spec": {"image": "\\ud83d\\ude00"}}'),
        ("web.yaml", 'name: web-1\nspec: {image: "\\ud83d\\ude00"}\n'),
    ],
)
def test_given_a_surrogate_pair_escape_when_reading_then_it_is_the_character_it_encodes(
    tmp_path: Path, name: str, text: str
) -> None:
    _write(tmp_path, {name: text})
    (document,) = read_documents(str(tmp_path / name), io.StringIO())
    assert document.body["spec"] == {"image": "\U0001f600"}


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("web.json", '{"name": "web-1", "spec": {"image": "\\ud83d"}}'),
        ("web.yaml", 'name: web-1\nspec: {image: "x\\ude00"}\n'),
    ],
)
def test_given_a_lone_surrogate_escape_when_reading_then_it_is_a_document_error(
    tmp_path: Path, name: str, text: str
) -> None:
    _write(tmp_path, {name: text})
    assert "surrogate" in _problems(tmp_path / name)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("name: web-1\nspec: {image: 2024-01-01}\n", "spec.image"),
        ("name: web-1\nhostIDs: [.inf]\n", "hostIDs[0]"),
        ("name: web-1\nspec: !!binary aGVsbG8=\n", "spec"),
        ("name: web-1\nhostIDs: !!set {a, b}\n", "hostIDs"),
        ("name: web-1\nspec: {1: x}\n", "spec"),
        ("name: web-1\nspec: &a [*a]\n", "spec"),
        ("name: web-1\nhostIDs: [" + "9" * 5000 + "]\n", "digits"),
        ("name: web-1\nspec: " + "[" * 5000 + "]" * 5000 + "\n", "deep"),
    ],
    ids=["date", "infinity", "binary", "set", "number-key", "recursive-alias", "huge-integer", "deep-nesting"],
)
def test_given_a_yaml_value_json_cannot_carry_when_reading_then_it_is_a_document_error_naming_where(
    tmp_path: Path, text: str, problem: str
) -> None:
    _write(tmp_path, {"web.yaml": text})
    assert problem in _problems(tmp_path / "web.yaml")


def test_given_aliases_that_expand_exponentially_when_reading_then_it_is_refused_before_expanding(
    tmp_path: Path,
) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)]
    _write(tmp_path, {"bomb.yaml": "spec:\n" + "\n".join(f"  {line}" for line in lines) + "\nname: web-1\n"})
    assert "too large" in _problems(tmp_path / "bomb.yaml")


def test_given_several_unreadable_files_when_reading_the_directory_then_every_problem_is_reported_at_once(
    tmp_path: Path,
) -> None:
    _write(
        tmp_path,
        {
            "a.yaml": "name: good-1\n",
            "b.yaml": "name: [unclosed\n",
            "c.json": '{"name": "x",}',
            "d.yaml": "name: bad-1\ncolour: blue\n",
            "e.yaml": b"name: caf\xe9\n",
            "f.yaml": "name: good-2\n---\nname: 5\n",
        },
    )
    problem = _problems(tmp_path)
    for name in ("b.yaml", "c.json", "d.yaml#1", "e.yaml", "f.yaml#2"):
        assert str(tmp_path / name) in problem, (name, problem)
    assert "a.yaml" not in problem


def test_given_unreadable_documents_when_applying_then_nothing_is_sent_and_each_problem_is_on_stderr(
    tmp_path: Path,
) -> None:
    _write(tmp_path, {"a.yaml": "name: web-1\n", "b.yaml": "name: web-1\n", "c.json": "{,}", "d.yaml": "name: ok-1\n"})
    with InterceptingServer(lambda exchange, forward: Reply(500)) as server:
        result = Cli(server.base_url)("apply", "-f", str(tmp_path))
        assert server.requests() == []
    assert result.exit_code == EXIT_ERROR
    assert result.stdout == ""
    errors = result.stderr.splitlines()
    assert [line for line in errors if not line.startswith("error: ")] == []
    assert any("web-1" in line and "a.yaml#1" in line and "b.yaml#1" in line for line in errors), errors
    assert any("c.json" in line for line in errors), errors


def test_given_stdin_that_is_not_utf8_when_applying_then_it_is_a_document_error() -> None:
    result = Cli("http://127.0.0.1:9")("apply", "-f", "-", stdin="name: café\n".encode("latin-1"))
    assert result.exit_code == EXIT_ERROR
    assert result.stderr.startswith("error: <stdin>: cannot read it"), result.stderr
