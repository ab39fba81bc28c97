"""Idempotent create: a retry with the same Idempotency-Key and body gets the first answer.

Powertools' idempotency utility keeps one record per (caller, key) in its own table for an
hour: the first request marks it in progress, creates, and stores its answer; a retry with
the same body gets that answer (200), with another body a 422, and while the first is still
running a 409. The caller is part of the key, so two callers never share a record.

If DynamoDB fails after the instance is written but before the answer is recorded, the
record lapses and a retry runs the create again: a name derived from the caller and the
key with a server-side secret (not at random, and not guessable from them), and the mark
each instance written this way carries (`creation_token`), make that retry answer 200 with
the instance the first attempt wrote, rather than 409 or a second instance.

Imported only by the create function, and only for a request with the header: the
utility imports boto3, which nothing else in the layer needs.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)

from instance_api import wiring
from instance_api.aws_errors import translated
from instance_api.domain import CreateCommand, Instance
from instance_api.errors import IdempotencyKeyReused, RequestInProgress
from instance_api.names import name_from_seed

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

EXPIRES_AFTER_SECONDS = 60 * 60
# Records are keyed "<prefix>#<hash of caller and key>": stable across deployments.
KEY_PREFIX = "create-instance"


def record(command: CreateCommand, key: str, caller: str) -> dict[str, Any]:
    """What the utility hashes: `key` names the record, `request` must be the same on a retry."""
    return {"key": f"{caller}\n{key}", "request": dataclasses.asdict(command)}


def creation_token(record: dict[str, Any]) -> str:
    """The mark an instance written by this create carries: a hash of caller, key and body.

    A retry whose first attempt wrote the instance but lost its answer finds its own mark
    and answers 200; any other create of the name (another key, another caller, another
    body, or none) is 409 AlreadyExists: of N racing creates exactly one gets 200.
    """
    return hashlib.sha256(json.dumps(record, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@functools.cache
def config() -> IdempotencyConfig:
    return IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="request",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=EXPIRES_AFTER_SECONDS,
    )


@functools.cache
def persistence_layer() -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(
        table_name=wiring.settings().require_idempotency_table(),
        boto3_client=wiring.dynamodb_client(),
    )


@functools.cache
def _create_once() -> Callable[..., Instance]:
    @idempotent_function(
        data_keyword_argument="record",
        persistence_store=persistence_layer(),
        config=config(),
        key_prefix=KEY_PREFIX,
    )
    def create(record: dict[str, Any], command: CreateCommand) -> Instance:
        # Only a create without a name reads the key names are derived with.
        generated_name = None if command.name else name_from_seed(wiring.name_key(), record["key"])
        return wiring.service().create(command, generated_name=generated_name, token=creation_token(record))

    return cast("Callable[..., Instance]", create)


def reset() -> None:
    """Forget the cached utility objects (tests switch environments between cases)."""
    config.cache_clear()
    persistence_layer.cache_clear()
    _create_once.cache_clear()


def create_instance(command: CreateCommand, *, key: str, caller: str, lambda_context: LambdaContext) -> Instance:
    # An in-progress record lapses when this invocation's time runs out.
    config().register_lambda_context(lambda_context)
    try:
        answer = _create_once()(record=record(command, key, caller), command=command)
    except IdempotencyValidationError:
        raise IdempotencyKeyReused() from None
    except IdempotencyAlreadyInProgressError:
        raise RequestInProgress() from None
    except IdempotencyPersistenceLayerError as error:
        raise translated(error, "the idempotency store") from error
    # A replay comes back from the utility's JSON with its keys sorted: answer in field order.
    fields: dict[str, Any] = dict(answer)
    return cast("Instance", {field: fields[field] for field in Instance.__annotations__})
