"""Field rules as plain functions: why a value breaks a rule, or None when it keeps it.

The request models (pydantic, instance_api.http.models) wrap these for the create and
update bodies; query strings and the delete body use them directly, so the functions that
validate no such body (get, delete) never import pydantic at all.
"""

from __future__ import annotations

import re

DNS_LABEL_MAX = 63
HOST_ID_MAX = 253
HOST_IDS_MAX = 256
LABELS_MAX = 64
LABEL_NAME_MAX = 63
LABEL_PREFIX_MAX = 253
# A version is a DynamoDB number the API keeps in a signed 64-bit range.
VERSION_MIN = 1
VERSION_MAX = 2**63 - 1

# Also the JSON Schema patterns of the OpenAPI document (http/models.py), anchored there.
DNS_LABEL_PATTERN = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
HOST_ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9._:-]*"
# Kubernetes' label rules (k8s.io/apimachinery, pkg/api/validate/content: IsLabelKey,
# IsLabelValue, IsDNS1123Subdomain): a key is an optional DNS subdomain prefix and '/', then
# a name; a value is empty or such a name.
LABEL_NAME_PATTERN = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
DNS_SUBDOMAIN_PATTERN = rf"{DNS_LABEL_PATTERN}(\.{DNS_LABEL_PATTERN})*"

_DNS_LABEL = re.compile(DNS_LABEL_PATTERN)
_HOST_ID = re.compile(HOST_ID_PATTERN)
_LABEL_NAME = re.compile(LABEL_NAME_PATTERN)
_DNS_SUBDOMAIN = re.compile(DNS_SUBDOMAIN_PATTERN)
_LABEL_NAME_RULE = f"1-{LABEL_NAME_MAX} characters of [A-Za-z0-9._-], starting and ending with a letter or digit"


def dns_label_problem(value: str) -> str | None:
    if not 1 <= len(value) <= DNS_LABEL_MAX:
        return "must be 1-63 characters long"
    if not _DNS_LABEL.fullmatch(value):
        return (
            "must be a DNS-1123 label: lowercase letters, digits and '-', "
            "starting and ending with a letter or digit (e.g. 'web-1')"
        )
    return None


def host_id_problem(value: str) -> str | None:
    if not 1 <= len(value) <= HOST_ID_MAX:
        return "must be 1-253 characters long"
    if not _HOST_ID.fullmatch(value):
        return "must consist of [A-Za-z0-9._:-] and start with a letter or digit"
    return None


def _label_name_problem(value: str) -> str | None:
    if not 1 <= len(value) <= LABEL_NAME_MAX or not _LABEL_NAME.fullmatch(value):
        return f"must be {_LABEL_NAME_RULE}"
    return None


def label_key_problem(key: str) -> str | None:
    """Why `key` is not a label key (`[prefix/]name`, e.g. `app` or `example.com/tier`), or None."""
    parts = key.split("/")
    if len(parts) > 2:
        return "must be a name with an optional DNS subdomain prefix and one '/' (e.g. 'example.com/tier')"
    if len(parts) == 2:
        prefix = parts[0]
        if not 1 <= len(prefix) <= LABEL_PREFIX_MAX or not _DNS_SUBDOMAIN.fullmatch(prefix):
            return (
                f"must have a prefix (before '/') of 1-{LABEL_PREFIX_MAX} characters that is a DNS subdomain: "
                "lowercase letters, digits, '-' and '.', each dot-separated part starting and ending "
                "with a letter or digit"
            )
    if _label_name_problem(parts[-1]):
        return f"must have a name{' (after the prefix)' if len(parts) == 2 else ''} of {_LABEL_NAME_RULE}"
    return None


def label_value_problem(value: str) -> str | None:
    """Why `value` is not a label value (empty, or a name like a key's), or None."""
    if value and _label_name_problem(value):
        return f"must be empty or {_LABEL_NAME_RULE}"
    return None
