"""The API's rules for the values the client puts in a URL, checked before a request is built.

A namespace becomes a path segment, a name and a host ID query parameters: `..` as a
namespace would make `/api/v1/namespaces/../instance` (the cluster-wide path, once a proxy
or the gateway resolves it). The rules are docs/contract.md's ("Fields"), the same patterns
as the API's own (a test keeps them equal); the API still judges everything it receives.
"""

from __future__ import annotations

import re

from instancectl.errors import InvalidArgument

DNS_LABEL_MAX = 63
HOST_ID_MAX = 253
DNS_LABEL_PATTERN = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
HOST_ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9._:-]*"
_DNS_LABEL = re.compile(DNS_LABEL_PATTERN)
_HOST_ID = re.compile(HOST_ID_PATTERN)


def dns_label_problem(value: object) -> str | None:
    """Why `value` is not a DNS-1123 label (a name, a namespace), or None."""
    rule = "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit"
    return _problem(value, DNS_LABEL_MAX, _DNS_LABEL, rule)


def host_id_problem(value: object) -> str | None:
    """Why `value` is not a host ID, or None."""
    return _problem(value, HOST_ID_MAX, _HOST_ID, "must consist of [A-Za-z0-9._:-] and start with a letter or digit")


def _problem(value: object, longest: int, pattern: re.Pattern[str], rule: str) -> str | None:
    if not isinstance(value, str):
        return f"must be a string, not {type(value).__name__}"
    if not 1 <= len(value) <= longest:
        return f"must be 1-{longest} characters long"
    return None if pattern.fullmatch(value) else rule


def checked_label(field: str, value: str) -> str:
    """`value` if it is a DNS-1123 label, else InvalidArgument naming `field`."""
    problem = dns_label_problem(value)
    if problem is not None:
        raise InvalidArgument(field, value, problem)
    return value


def checked_host_id(value: str) -> str:
    problem = host_id_problem(value)
    if problem is not None:
        raise InvalidArgument("hostID", value, problem)
    return value
