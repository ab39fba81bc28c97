"""A dry run predicts the real write: for every state a name can be in and every write the API
makes of it, the domain's write rules (domain/writes.py) applied to what the store holds
(`stored`, one strongly consistent read) answer exactly what the store's own conditional
write then answers (the instance, or the refusal with its words), on moto, DynamoDB Local and
the fake. And reading for a dry run writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import pytest

from instance_api.domain.commands import Expected
from instance_api.domain.errors import DomainError
from instance_api.domain.instance import Draft, Instance
from instance_api.domain.ports import InstanceRepository, Stored
from instance_api.domain.writes import created, deleted, updated
from tests.store.test_store import EXPIRES, T0, T1, instance

TOKEN = "a" * 64


def draft(name: str = "web-1", **overrides: Any) -> Draft:
    value = instance(name, labels={"app": "web"}, **overrides)
    return cast("Draft", {field: content for field, content in value.items() if field != "version"})


# The states a name can be in when a write meets it.
def absent(store: InstanceRepository) -> None:
    del store


def live(store: InstanceRepository) -> None:
    store.create(draft())
    store.update("web-1", {"hostIDs": ["host-a"]}, T1)


def keyed(store: InstanceRepository) -> None:
    store.create(draft(), token=TOKEN)


def tombstone(store: InstanceRepository) -> None:
    live(store)
    store.delete("web-1", T1, EXPIRES)


STATES = {"absent": absent, "live": live, "keyed": keyed, "tombstone": tombstone}


@dataclass(frozen=True)
class Write:
    """A write, made for real (`make`) or predicted from what is stored (`predict`)."""

    make: Callable[[InstanceRepository], Instance | None]
    predict: Callable[[InstanceRepository], Instance | None]


def create(token: str | None = None) -> Write:
    return Write(
        lambda store: store.create(draft(), token=token),
        lambda store: created(draft(), store.stored("web-1"), token),
    )


def update(expected: Expected) -> Write:
    changes: Any = {"labels": {"app": "api"}, "shareStorage": True}
    return Write(
        lambda store: store.update("web-1", changes, T1, expected),
        lambda store: updated("web-1", changes, T1, expected, store.stored("web-1")),
    )


def delete(expected: Expected) -> Write:
    def make(store: InstanceRepository) -> None:
        store.delete("web-1", T1, EXPIRES, expected)

    def predict(store: InstanceRepository) -> None:
        deleted("web-1", expected, store.stored("web-1"))

    return Write(make, predict)


EXPECTATIONS = {
    "unconditional": Expected(),
    "version": Expected(version=2),
    "stale": Expected(version=1),
    "namespace": Expected(namespace="team-a"),
    "other-namespace": Expected(namespace="team-b"),
    "scope": Expected(scope="team-a"),
    "other-scope": Expected(scope="team-b", version=2),
}
WRITES = {
    "create": create(),
    "create-keyed": create(TOKEN),
    "create-other-key": create("b" * 64),
    **{f"update-{name}": update(expected) for name, expected in EXPECTATIONS.items()},
    **{f"delete-{name}": delete(expected) for name, expected in EXPECTATIONS.items()},
}


def outcome(write: Callable[[InstanceRepository], Instance | None], store: InstanceRepository) -> Any:
    try:
        return write(store)
    except DomainError as error:
        return type(error).__name__, error.message


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("write", WRITES)
def test_given_any_state_and_write_when_predicting_it_then_the_real_write_answers_the_same(
    store: InstanceRepository, state: str, write: str
) -> None:
    STATES[state](store)
    before = store.stored("web-1")
    predicted = outcome(WRITES[write].predict, store)
    assert store.stored("web-1") == before, "predicting wrote nothing"
    assert outcome(WRITES[write].make, store) == predicted


def test_given_each_state_when_reading_what_is_stored_then_it_says_live_version_and_key(
    store: InstanceRepository,
) -> None:
    assert store.stored("web-1") == Stored(None, 0, None)
    keyed(store)
    assert (store.stored("web-1").last_version, store.stored("web-1").creation_token) == (1, TOKEN)
    store.update("web-1", {"hostIDs": []}, T0)
    store.delete("web-1", T1, EXPIRES)
    gone = store.stored("web-1")
    assert (gone.instance, gone.last_version, gone.creation_token) == (None, 2, None)
