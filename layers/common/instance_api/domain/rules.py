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
# A version is a DynamoDB number the API keeps in a signed 64-bit range.
VERSION_MIN = 1
VERSION_MAX = 2**63 - 1

# Also the JSON Schema patterns of the OpenAPI document (http/models.py), anchored there.
DNS_LABEL_PATTERN = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
HOST_ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9._:-]*"

_DNS_LABEL = re.compile(DNS_LABEL_PATTERN)
_HOST_ID = re.compile(HOST_ID_PATTERN)


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
