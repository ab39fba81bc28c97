"""Idempotent create: a retry with the same Idempotency-Key and body gets the first answer.

Powertools' idempotency utility keeps one record per (caller, key) in its own table for an
hour: the first request marks it in progress, creates, and stores its answer; a retry with
the same body gets that answer (200), with another body a 422, and while the first is still
running a 409. The caller is part of the key, so two callers never share a record. An
attempt that ends in an error records nothing: the key is free again.

If DynamoDB fails after the instance is written but before the answer is recorded, the
record lapses and a retry runs the create again: a name derived from the caller and the
key with a server-side secret (not at random, and not guessable from them), and the mark
each instance written this way carries (`creation_token`), make that retry answer 200 with
the instance the first attempt wrote, rather than 409 or a second instance.

The composition root builds `IdempotentCreates` only for a request with the header: the
utility imports boto3, which nothing else in the functions needs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)

from instance_api.domain.commands import CreateCommand
from instance_api.domain.instance import Instance
from instance_api.domain.names import name_from_seed
from instance_api.domain.service import InstanceService
from instance_api.http.errors import IdempotencyKeyReused, RequestInProgress
from instance_api.http.request import Request

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import BasePersistenceLayer

EXPIRES_AFTER_SECONDS = 60 * 60
# Records are keyed "<prefix>#<hash of caller and key>": stable across deployments.
KEY_PREFIX = "create-instance"


def record(command: CreateCommand, key: str, caller: str) -> dict[str, Any]:
    """What the utility hashes: `key` names the record, `request` must be the same on a retry."""
    return {
        "key": f"{caller}\n{key}",
        "request": {"name": command.name, "namespace": command.namespace, **command.desired},
    }


def creation_token(record: dict[str, Any]) -> str:
    """The mark an instance written by this create carries: a hash of caller, key and body.

    A retry whose first attempt wrote the instance but lost its answer finds its own mark
    and answers 200; any other create of the name (another key, another caller, another
    body, or none) is 409 AlreadyExists: of N racing creates exactly one gets 200.
    """
    return hashlib.sha256(json.dumps(record, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def config() -> IdempotencyConfig:
    """How records are keyed, checked and kept: the create's key names the record, its body must match."""
    return IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="request",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=EXPIRES_AFTER_SECONDS,
    )


class IdempotentCreates:
    """`name_key` is read only by a create without a name (generated names are derived with
    it); `failure` says what a failure of the record store means to the client."""

    def __init__(
        self,
        service: InstanceService,
        persistence: BasePersistenceLayer,
        name_key: Callable[[], bytes],
        failure: Callable[[Exception], Exception],
    ) -> None:
        self._service = service
        self._name_key = name_key
        self._failure = failure
        self._config = config()
        self._create_once = idempotent_function(
            data_keyword_argument="record", persistence_store=persistence, config=self._config, key_prefix=KEY_PREFIX
        )(self._create)

    def _create(self, record: dict[str, Any], command: CreateCommand) -> Instance:
        generated_name = None if command.name else name_from_seed(self._name_key(), record["key"])
        return self._service.create(command, generated_name=generated_name, token=creation_token(record))

    def create(self, request: Request[CreateCommand]) -> Instance:
        assert request.idempotency_key is not None  # the function calls this only with a key
        # An in-progress record lapses when this invocation's time runs out.
        self._config.register_lambda_context(request.lambda_context)
        command = request.command
        try:
            answer = self._create_once(record=record(command, request.idempotency_key, request.caller), command=command)
        except IdempotencyValidationError:
            raise IdempotencyKeyReused() from None
        except IdempotencyAlreadyInProgressError:
            raise RequestInProgress() from None
        except IdempotencyPersistenceLayerError as error:
            raise self._failure(error) from error
        # A replay comes back from the utility's JSON with its keys sorted: answer in field order.
        fields: dict[str, Any] = dict(answer)
        return cast("Instance", {field: fields[field] for field in Instance.__annotations__})
