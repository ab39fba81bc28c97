"""What the commands print: JSON for programs, a table for people, YAML, or bare names.

Every command's result is a `View`: the data a program reads (the API's `data`, never the
envelope), rows for a table, and names. `-o` picks the form; without it, a table when
standard output is a terminal and JSON otherwise, so a pipeline gets JSON without asking.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from instancectl.apply import Action, ApplyResult
from instancectl.client import Instance, Page
from instancectl.wait import Waited

FORMATS = ("json", "yaml", "table", "name")
DIFF_FORMATS = ("diff", *FORMATS)
# What a diff shows of an instance: what a document can say (the server's own fields are noise there).
_DOCUMENT_FIELDS = ("name", "namespace", "spec", "shareStorage", "hostIDs", "labels")
_SURROGATE = re.compile("[\ud800-\udfff]")
_INSTANCE_COLUMNS = ("NAME", "NAMESPACE", "IMAGE", "HOSTS", "SHARED", "VERSION")
_APPLY_COLUMNS = ("NAME", "ACTION", "VERSION", "CHANGES")
_WAIT_COLUMNS = ("NAME", "VERSION", "PHASE", "READY")


@dataclass(frozen=True)
class View:
    data: Any
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    names: Sequence[str]


def render(view: View, form: str, terminal: bool = False) -> str:
    """`view` in `form`; JSON is indented for a terminal and one line for a program."""
    return _escaped_surrogates(_rendered(view, form, terminal))


def _rendered(view: View, form: str, terminal: bool) -> str:
    if form == "json":
        if terminal:
            return json.dumps(view.data, indent=2, ensure_ascii=False)
        return json.dumps(view.data, separators=(",", ":"), ensure_ascii=False)
    if form == "yaml":
        return yaml.safe_dump(view.data, sort_keys=False, allow_unicode=True).rstrip("\n")
    if form == "name":
        return "\n".join(view.names)
    return table(view.columns, view.rows)


def _escaped_surrogates(text: str) -> str:
    """A lone UTF-16 surrogate (an answer's "\\ud83d" without its pair) cannot be written as UTF-8:
    it is printed as the JSON escape it came as (in JSON output, exactly that string again)."""
    return _SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(columns, *rows, strict=True)]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)) for line in [columns, *rows]
    ]
    return "\n".join(line.rstrip() for line in lines)


def _instance_row(instance: Instance) -> list[str]:
    spec = instance.get("spec") or {}
    hosts = instance.get("hostIDs") or []
    return [
        str(instance.get("name", "")),
        str(instance.get("namespace", "")),
        str(spec.get("image") or "-") if isinstance(spec, dict) else "?",
        (",".join(map(str, hosts)) or "-") if isinstance(hosts, list) else "?",
        str(instance.get("shareStorage", "")).lower(),
        str(instance.get("version", "")),
    ]


def instance_view(instance: Instance) -> View:
    return View(instance, _INSTANCE_COLUMNS, [_instance_row(instance)], [str(instance.get("name", ""))])


def page_view(page: Page) -> View:
    data = {"items": page.items, "nextToken": page.next_token}
    rows = [_instance_row(item) for item in page.items]
    return View(data, _INSTANCE_COLUMNS, rows, [str(item.get("name", "")) for item in page.items])


def deleted_view(deleted: dict[str, Any]) -> View:
    name = str(deleted.get("name", ""))
    return View(deleted, ("NAME", "RESULT"), [[name, "deleted"]], [name])


def _change_text(result: ApplyResult) -> str:
    if result.action in (Action.CREATED, Action.PRUNED):
        return "-"
    return (
        "; ".join(
            f"{c.field}: {json.dumps(c.current, ensure_ascii=False)} -> {json.dumps(c.desired, ensure_ascii=False)}"
            for c in result.changes
        )
        or "-"
    )


def apply_view(results: Sequence[ApplyResult]) -> View:
    """One row per result; after a wait (`apply --wait`) with the PHASE each ended in."""
    waited = any(result.status is not None for result in results)
    rows = [
        [
            result.name,
            f"{result.action.value}{' (dry run)' if result.dry_run else ''}",
            str(result.instance.get("version", "-")),
            _change_text(result),
            *([_phase_text(result.status)] if waited else []),
        ]
        for result in results
    ]
    columns = (*_APPLY_COLUMNS, "PHASE") if waited else _APPLY_COLUMNS
    return View([result.as_dict() for result in results], columns, rows, [result.name for result in results])


def _phase_text(status: dict[str, Any] | None) -> str:
    """`Ready 2/2`: the phase and how many of the desired hosts are ready; `-` with no status."""
    if not status:
        return "-"
    return f"{status.get('phase')} {status.get('ready')}/{status.get('desired')}"


def waited_view(waited: Waited) -> View:
    """The instance as the wait last read it (with its status): JSON and YAML show it whole."""
    instance = waited.instance or {}
    status = waited.status
    row = [
        waited.target.name,
        str(instance.get("version", "-")),
        str(status.get("phase", "-")),
        f"{status.get('ready')}/{status.get('desired')}" if status else "-",
    ]
    return View(waited.instance, _WAIT_COLUMNS, [row], [waited.target.name])


def created_view(instances: Sequence[Instance]) -> View:
    rows = [_instance_row(instance) for instance in instances]
    data: Any = instances[0] if len(instances) == 1 else list(instances)
    return View(data, _INSTANCE_COLUMNS, rows, [str(instance.get("name", "")) for instance in instances])


def diff_text(results: Sequence[ApplyResult]) -> str:
    """A unified diff per instance that would change (the API's, then after apply), as YAML."""
    changed = [result for result in results if result.action is not Action.UNCHANGED]
    return _escaped_surrogates("\n".join(_unified(result) for result in changed))


def _unified(result: ApplyResult) -> str:
    if result.action is Action.PRUNED:
        before, label = (
            _yaml_lines(result.instance),
            f"{result.name} (the API's, version {result.instance.get('version')})",
        )
        return "\n".join(difflib.unified_diff(before, [], label, f"{result.name} (pruned)", lineterm=""))
    if result.action is Action.CREATED:
        before, label = [], f"{result.name} (absent)"
    else:
        stored = {**result.instance, **{change.field: change.current for change in result.changes}}
        before, label = _yaml_lines(stored), f"{result.name} (the API's, version {result.instance.get('version')})"
    after = _yaml_lines(result.instance)
    return "\n".join(difflib.unified_diff(before, after, label, f"{result.name} (after apply)", lineterm=""))


def _yaml_lines(instance: Instance) -> list[str]:
    shown = {field: instance[field] for field in _DOCUMENT_FIELDS if field in instance}
    return yaml.safe_dump(shown, sort_keys=False, allow_unicode=True).splitlines()
