"""Reading -f: files, directories, stdin; YAML and JSON; one or many instances per file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from instancectl import DocumentError, differences, read_documents
from instancectl.documents import parse


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
