"""Request models: every field rule of docs/contract.md's instance table, enforced by pydantic.

Models are strict (no "true" strings, no 0/1 booleans, no "3" versions) and forbid unknown
fields, so a client can never set `version`, `createdAt` or `updatedAt`. Field checks
raise `PydanticCustomError` so each message reads as a sentence about the field.
"""

from __future__ import annotations

from typing import Annotated, Any, cast

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, field_validator, model_validator
from pydantic_core import PydanticCustomError

from instance_api.domain import image_reference
from instance_api.domain.commands import CreateCommand, Expected, UpdateCommand
from instance_api.domain.errors import OutOfScope, clip
from instance_api.domain.instance import CHANGEABLE, Changes, Desired
from instance_api.domain.rules import (
    DNS_LABEL_MAX,
    DNS_LABEL_PATTERN,
    DNS_SUBDOMAIN_PATTERN,
    HOST_ID_MAX,
    HOST_ID_PATTERN,
    HOST_IDS_MAX,
    LABEL_NAME_MAX,
    LABEL_NAME_PATTERN,
    LABEL_PREFIX_MAX,
    LABELS_MAX,
    VERSION_MAX,
    VERSION_MIN,
    dns_label_problem,
    host_id_problem,
    label_key_problem,
    label_value_problem,
)
from instance_api.http.details import OWN_RULE


def check_dns_label(value: str) -> str:
    if problem := dns_label_problem(value):
        raise PydanticCustomError(OWN_RULE + "dns_label", problem)
    return value


def _check_host_id(value: str) -> str:
    if problem := host_id_problem(value):
        raise PydanticCustomError(OWN_RULE + "host_id", problem)
    return value


def _check_unique(values: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    for index, value in enumerate(values):
        if value in seen:
            raise PydanticCustomError(
                OWN_RULE + "unique",
                "must not contain duplicates: '{value}' is at positions {first} and {second}",
                {"value": clip(value), "first": seen[value], "second": index},
            )
        seen[value] = index
    return values


def _check_label_key(value: str) -> str:
    if problem := label_key_problem(value):
        raise PydanticCustomError(
            OWN_RULE + "label_key", "is not a valid label key: it {problem}", {"problem": problem}
        )
    return value


def _check_label_value(value: str) -> str:
    if problem := label_value_problem(value):
        raise PydanticCustomError(
            OWN_RULE + "label_value", "is not a valid label value: it {problem}", {"problem": problem}
        )
    return value


def _check_image(value: str) -> str:
    if value and (problem := image_reference.problem(value)):
        raise PydanticCustomError(OWN_RULE + "image_reference", "{problem}", {"problem": problem})
    return value


# Each rule also states its JSON Schema, which its validator alone would not show (the OpenAPI
# document is generated from these models).
DNS_LABEL_SCHEMA = {
    "type": "string",
    "minLength": 1,
    "maxLength": DNS_LABEL_MAX,
    "pattern": f"^{DNS_LABEL_PATTERN}$",
    "description": "A DNS-1123 label: lowercase letters, digits and '-', starting and ending alphanumeric.",
}
HOST_ID_SCHEMA = {
    "type": "string",
    "minLength": 1,
    "maxLength": HOST_ID_MAX,
    "pattern": f"^{HOST_ID_PATTERN}$",
}

DnsLabel = Annotated[str, AfterValidator(check_dns_label), WithJsonSchema(DNS_LABEL_SCHEMA)]
HostId = Annotated[str, AfterValidator(_check_host_id), WithJsonSchema(HOST_ID_SCHEMA)]
HostIds = Annotated[
    list[HostId],
    Field(max_length=HOST_IDS_MAX),
    AfterValidator(_check_unique),
    WithJsonSchema(
        {
            "type": "array",
            "items": HOST_ID_SCHEMA,
            "maxItems": HOST_IDS_MAX,
            "uniqueItems": True,
            "description": "Hosts to run on, in order; duplicates are rejected, not merged.",
        }
    ),
]
ImageReference = Annotated[
    str,
    AfterValidator(_check_image),
    WithJsonSchema(
        {
            "type": "string",
            "maxLength": image_reference.MAX_LENGTH,
            "pattern": image_reference.JSON_SCHEMA_PATTERN,
            "description": '"" (not set yet) or an OCI image reference: [registry[:port]/]path[:tag][@digest].',
        }
    ),
]
Version = Annotated[int, Field(ge=VERSION_MIN, le=VERSION_MAX)]
LabelKey = Annotated[str, AfterValidator(_check_label_key)]
LabelValue = Annotated[str, AfterValidator(_check_label_value)]
Labels = Annotated[
    dict[LabelKey, LabelValue],
    Field(max_length=LABELS_MAX),
    WithJsonSchema(
        {
            "type": "object",
            "maxProperties": LABELS_MAX,
            "propertyNames": {
                "type": "string",
                "maxLength": LABEL_PREFIX_MAX + 1 + LABEL_NAME_MAX,
                "pattern": f"^({DNS_SUBDOMAIN_PATTERN}/)?{LABEL_NAME_PATTERN}$",
            },
            "additionalProperties": {
                "type": "string",
                "maxLength": LABEL_NAME_MAX,
                "pattern": f"^({LABEL_NAME_PATTERN})?$",
            },
            "description": (
                f"Up to {LABELS_MAX} labels to select instances by (Kubernetes' rules): a key is an optional DNS "
                f"subdomain prefix (at most {LABEL_PREFIX_MAX} characters) and '/', then a name of 1-{LABEL_NAME_MAX} "
                "of [A-Za-z0-9._-] starting and ending alphanumeric; a value is empty or such a name."
            ),
        }
    ),
]

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)


class _RequestBody(BaseModel):
    model_config = _STRICT

    @field_validator("*", mode="before")
    @classmethod
    def _reject_null(cls, value: Any) -> Any:
        # An explicit null is ambiguous (unset? cleared?); absent fields say "keep/default".
        if value is None:
            raise PydanticCustomError(OWN_RULE + "null", "must not be null; omit the field instead")
        return value


class Spec(BaseModel):
    """What to run. `image` "" means "not set yet" (docs/contract.md: the seed creates with "")."""

    model_config = _STRICT

    image: ImageReference = ""


class CreateInstanceRequest(_RequestBody):
    name: DnsLabel | None = None
    namespace: DnsLabel = "default"
    spec: Spec = Spec()
    shareStorage: bool = False
    hostIDs: HostIds = []
    labels: Labels = {}

    def command(self, scope: str | None = None, *, dry_run: bool = False) -> CreateCommand:
        """On a namespaced path (`scope`) the instance goes there; a body namespace must agree."""
        if scope is not None and "namespace" in self.model_fields_set and self.namespace != scope:
            raise OutOfScope()
        desired: Desired = {
            "spec": {"image": self.spec.image},
            "shareStorage": self.shareStorage,
            "hostIDs": list(self.hostIDs),
            "labels": dict(self.labels),
        }
        return CreateCommand(self.name, scope or self.namespace, desired, dry_run)


class UpdateInstanceRequest(_RequestBody):
    name: DnsLabel
    namespace: DnsLabel | None = None
    version: Version | None = None
    spec: Spec | None = None
    shareStorage: bool | None = None
    hostIDs: HostIds | None = None
    labels: Labels | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> UpdateInstanceRequest:
        if all(getattr(self, field) is None for field in CHANGEABLE):
            raise PydanticCustomError(
                OWN_RULE + "no_changes", "an update must set at least one of spec, shareStorage, hostIDs, labels"
            )
        return self

    def command(self, scope: str | None = None, *, dry_run: bool = False) -> UpdateCommand:
        """On a namespaced path (`scope`) a body namespace must agree with it; the instance is
        then looked for there only."""
        if scope is not None and self.namespace not in (None, scope):
            raise OutOfScope()
        changes = cast("Changes", self.model_dump(include=set(CHANGEABLE), exclude_none=True))
        expected_namespace = self.namespace if scope is None else None
        return UpdateCommand(self.name, changes, Expected(self.version, expected_namespace, scope), dry_run)


# The delete function reads this body without pydantic (deletes.read_body); the model is what
# the OpenAPI document shows (its docstring is the schema's description), and
# tests/unit/test_request_parsing.py holds the two to the same answers for any body.
class DeleteInstanceRequest(_RequestBody):
    """Delete's optional JSON body; `name` may instead come from `?name=`."""

    name: DnsLabel | None = None
    version: Version | None = None
