"""OCI image references, checked against the distribution `reference` grammar.

    reference := name [":" tag] ["@" digest]
    name      := [domain "/"] path-component ["/" path-component]*
    domain    := (domain-name | "[" ipv6 "]") [":" port]

The grammar is usually written as one regular expression; with Python's backtracking
engine its nested repetitions can take super-linear time on hostile input, so the
reference is split on its delimiters first and each part is matched by a small anchored
pattern. `problem()` returns why a value is not a reference, or None when it is one.
"""

from __future__ import annotations

import re

MAX_LENGTH = 512
MAX_NAME_LENGTH = 255

# Each part of the grammar, written once; the parser matches them one by one, and the
# OpenAPI document's pattern joins them.
_PATH_COMPONENT_PATTERN = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN_COMPONENT = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_DOMAIN_PATTERN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_TAG_PATTERN = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_DIGEST_PATTERN = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"

_PATH_COMPONENT = re.compile(_PATH_COMPONENT_PATTERN)
_DOMAIN = re.compile(_DOMAIN_PATTERN)
_TAG = re.compile(_TAG_PATTERN)
_DIGEST = re.compile(_DIGEST_PATTERN)
# Algorithms the OCI image spec registers, with the exact length of their lowercase hex.
_DIGEST_HEX_LENGTH = {"sha256": 64, "sha384": 96, "sha512": 128}

# The grammar as one ECMAScript pattern, for the OpenAPI document (JSON Schema engines do
# not backtrack pathologically). It accepts a superset of problem() (which also checks the
# digest algorithm, the digest length and the name length), so whatever it rejects, the
# API rejects too.
JSON_SCHEMA_PATTERN = (
    rf"^(?:(?:{_DOMAIN_PATTERN}/)?{_PATH_COMPONENT_PATTERN}(?:/{_PATH_COMPONENT_PATTERN})*"
    rf"(?::{_TAG_PATTERN})?(?:@{_DIGEST_PATTERN})?)?$"
)


def problem(reference: str) -> str | None:
    """Why `reference` is not a valid image reference, or None if it is one."""
    if len(reference) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    name, _, digest = reference.partition("@")
    if digest and (reason := _digest_problem(digest)):
        return reason
    last_slash = name.rfind("/")
    colon = name.rfind(":")
    tag = ""
    if colon > last_slash:
        name, tag = name[:colon], name[colon + 1 :]
        if not _TAG.fullmatch(tag):
            return "has an invalid tag (1-128 of [A-Za-z0-9_.-], not starting with '.' or '-')"
    return _name_problem(name)


def _digest_problem(digest: str) -> str | None:
    if not _DIGEST.fullmatch(digest):
        return "has an invalid digest (expected algorithm:hex, e.g. sha256:<64 hex digits>)"
    algorithm, _, encoded = digest.partition(":")
    expected = _DIGEST_HEX_LENGTH.get(algorithm)
    if expected is None:
        return f"has an unsupported digest algorithm (use one of {', '.join(_DIGEST_HEX_LENGTH)})"
    if len(encoded) != expected or encoded != encoded.lower():
        return f"has an invalid {algorithm} digest (expected {expected} lowercase hex digits)"
    return None


def _name_problem(name: str) -> str | None:
    components = name.split("/")
    has_domain = len(components) > 1 and _DOMAIN.fullmatch(components[0]) is not None
    path = components[1:] if has_domain else components
    if not all(_PATH_COMPONENT.fullmatch(component) for component in path):
        if name != name.lower() and _name_problem(name.lower()) is None:
            return "has an invalid repository name: it must be lowercase"
        return (
            "is not a valid image reference: expected [registry[:port]/]path[:tag][@digest], "
            "path components of lowercase letters, digits and separators (. _ __ -)"
        )
    if len(name) > MAX_NAME_LENGTH:
        return f"has a repository name longer than {MAX_NAME_LENGTH} characters"
    return None
