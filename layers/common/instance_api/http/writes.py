"""POST and PUT on the instance paths: the bodies that the request models (pydantic) check.

Only the create and update functions import this module, and with it pydantic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from instance_api.domain.commands import CreateCommand, UpdateCommand
from instance_api.http.details import invalid
from instance_api.http.models import CreateInstanceRequest, UpdateInstanceRequest
from instance_api.http.request import Fields, Operation


def validated_by[Model: BaseModel](model: type[Model]) -> Callable[[dict[str, Any]], Model]:
    """A body reader: the JSON object checked against `model` (400 Invalid, with details)."""

    def read(document: dict[str, Any]) -> Model:
        try:
            return model.model_validate(document)
        except ValidationError as error:
            raise invalid(error.errors(include_url=False, include_input=False)) from None

    return read


def _create(fields: Fields) -> CreateCommand:
    body: CreateInstanceRequest = fields.body
    return body.command(fields.scope, dry_run=fields.dry_run)


def _update(fields: Fields) -> UpdateCommand:
    body: UpdateInstanceRequest = fields.body
    return body.command(fields.scope, dry_run=fields.dry_run)


CREATE = Operation(
    "create",
    _create,
    body=validated_by(CreateInstanceRequest),
    body_required=True,
    idempotency_key=True,
    dry_run=True,
)
UPDATE = Operation("update", _update, body=validated_by(UpdateInstanceRequest), body_required=True, dry_run=True)
