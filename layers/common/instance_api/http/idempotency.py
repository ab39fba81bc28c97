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

A dry run (`?dryRun=true`) with a key reads the key's record and records nothing: a record
of this very create answers its first answer (as the real retry would), one of another body
is 422 and one still in flight 409; no record (or one the real request would take over: past
its hour, or in flight past its invocation's time) lets the create's own checks answer.

The composition root builds `IdempotentCreates` only for a request with the header: the
utility imports boto3, which nothing else in the functions needs.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyItemNotFoundError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import STATUS_CONSTANTS, DataRecord

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
    """What the utility hashes: `key` names the record, `request` must be the same on a retry.

    A create without labels hashes as it did before instances had labels, so a retry that
    spans the deployment which added them is still recognised (and its record's answer, which
    has no `labels`, is answered with `{}`: `answered`).
    """
    request: dict[str, Any] = {"name": command.name, "namespace": command.namespace, **command.desired}
    if not request["labels"]:
        del request["labels"]
    return {"key": f"{caller}\n{key}", "request": request}


def answered(answer: dict[str, Any]) -> Instance:
    """A recorded answer in the instance's field order (the utility's JSON sorts its keys); one
    recorded before instances had labels has none."""
    fields = {"labels": {}, **answer}
    return cast("Instance", {field: fields[field] for field in Instance.__annotations__})


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
        self._persistence = persistence
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
        command = request.command
        data = record(command, request.idempotency_key, request.caller)
        if command.dry_run:
            return self._try(data, command)
        # An in-progress record lapses when this invocation's time runs out.
        self._config.register_lambda_context(request.lambda_context)
        try:
            answer = self._create_once(record=data, command=command)
        except IdempotencyValidationError:
            raise IdempotencyKeyReused() from None
        except IdempotencyAlreadyInProgressError:
            raise RequestInProgress() from None
        except IdempotencyPersistenceLayerError as error:
            raise self._failure(error) from error
        return answered(dict(answer))

    def _try(self, data: dict[str, Any], command: CreateCommand) -> Instance:
        """A dry run: what the real create would answer, from the key's record and the table, writing neither."""
        previous = self._recorded(data)
        if previous is None:
            return self._create(data, command)
        if previous.status == STATUS_CONSTANTS["INPROGRESS"]:
            raise RequestInProgress()
        return answered(previous.response_json_as_dict() or {})

    def _recorded(self, data: dict[str, Any]) -> DataRecord | None:
        """The key's record as the real request would meet it: None if there is none or the real
        request would take it over (expired, or in flight past its invocation's time); 422 if it
        holds another body.

        Read as the utility's own save_inprogress condition and _handle_for_status judge it, with
        the persistence layer's (non-public) key, read and payload check: the dry-run tests with
        keys (tests/handlers/test_dry_run.py) pin them, so an upgrade that changes them fails there.
        """
        persistence = self._persistence
        persistence.configure(self._config, key_prefix=KEY_PREFIX)
        try:
            stored = persistence._get_record(persistence._get_hashed_idempotency_key(data))
        except IdempotencyItemNotFoundError:
            return None
        except Exception as error:  # the composition says what a record store failure means
            raise self._failure(error) from error
        now_ms = int(time.time() * 1000)
        in_flight_lapsed = (
            stored.in_progress_expiry_timestamp is not None and stored.in_progress_expiry_timestamp < now_ms
        )
        if stored.is_expired or (stored.status == STATUS_CONSTANTS["INPROGRESS"] and in_flight_lapsed):
            return None
        try:
            persistence._validate_payload(data, stored)
        except IdempotencyValidationError:
            raise IdempotencyKeyReused() from None
        return stored
