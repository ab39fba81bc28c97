"""What each write makes of what the store holds under its name: the write rules, stated once.

The in-memory store (devtools/in_memory_store.py) applies them under its lock, and a dry run
(`?dryRun=true`) answers with them from a strongly consistent read of the store (`Stored`),
writing nothing. The DynamoDB store says the same in the conditions and expressions of its
single requests (aws/store.py); the store tier holds all of them to the same answers, a dry
run's beside the real write's (tests/store/test_dry_run.py).
"""

from __future__ import annotations

from instance_api.domain.commands import Expected
from instance_api.domain.errors import AlreadyExists
from instance_api.domain.instance import Changes, Draft, Instance
from instance_api.domain.ports import Stored, meets, refusal


def created(draft: Draft, stored: Stored, token: str | None = None) -> Instance:
    """The instance a create of `draft` stores: numbered one past the name's last version. A
    live instance is AlreadyExists, unless this very idempotent create wrote it (`token`):
    then that instance, as it is now."""
    if stored.instance is not None:
        if token is not None and stored.creation_token == token:
            return stored.instance
        raise AlreadyExists.instance(draft["name"])
    return {**draft, "version": stored.last_version + 1}


def _meeting(name: str, stored: Stored, expected: Expected, *, reapply: bool) -> Instance:
    """The live instance, if it is what `expected` requires (else why not)."""
    if stored.instance is None or not meets(stored.instance, expected):
        raise refusal(expected, name, stored.instance, reapply=reapply)
    return stored.instance


def updated(name: str, changes: Changes, updated_at: str, expected: Expected, stored: Stored) -> Instance:
    """The instance after an update: the fields sent replaced, the version one more."""
    instance = _meeting(name, stored, expected, reapply=True)
    return {**instance, **changes, "version": instance["version"] + 1, "updatedAt": updated_at}


def deleted(name: str, expected: Expected, stored: Stored) -> Instance:
    """The instance a delete hides behind its tombstone (which keeps its version)."""
    return _meeting(name, stored, expected, reapply=False)
