"""Racing writers: DynamoDB's conditional writes settle every race, on both engines.

moto alone is not thread-safe (200 parallel increments left 148); the embedded engine runs
its requests one at a time, so these hold there as they do on DynamoDB Local.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from instance_api.domain.commands import Expected
from instance_api.domain.errors import AlreadyExists, Conflict
from instance_api.domain.instance import Changes
from instance_api.domain.ports import InstanceRepository
from tests.store.test_store import EXPIRES, T1, instance


def race(count: int, attempt: Callable[[int], object]) -> list[object]:
    """Run `attempt(i)` in `count` threads released together; each result or exception."""
    start = threading.Barrier(count)

    def run(index: int) -> object:
        start.wait()
        try:
            return attempt(index)
        except Exception as error:  # noqa: BLE001 - the race's losers are results too
            return error

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_given_16_creates_of_one_name_when_racing_then_exactly_one_wins(store: InstanceRepository) -> None:
    outcomes = race(16, lambda index: store.create(instance("contested", hostIDs=[f"h{index}"])))
    winners = [index for index, outcome in enumerate(outcomes) if isinstance(outcome, dict)]
    assert len(winners) == 1
    assert all(isinstance(outcome, AlreadyExists) for outcome in outcomes if not isinstance(outcome, dict))
    assert store.get("contested")["hostIDs"] == [f"h{winners[0]}"]


def test_given_16_idempotent_creates_of_one_name_with_distinct_tokens_when_racing_then_exactly_one_wins(
    store: InstanceRepository,
) -> None:
    outcomes = race(16, lambda index: store.create(instance("contested"), token=f"token-{index}"))
    assert len([outcome for outcome in outcomes if isinstance(outcome, dict)]) == 1
    assert all(isinstance(outcome, AlreadyExists) for outcome in outcomes if not isinstance(outcome, dict))


def test_given_a_deleted_name_when_deletes_and_re_creates_race_then_versions_never_repeat(
    store: InstanceRepository,
) -> None:
    store.create(instance("cycle"))
    seen: list[int] = [1]

    def cycle(index: int) -> object:
        if index % 2:
            return store.create(instance("cycle"))
        store.delete("cycle", T1, EXPIRES)
        return None

    for _ in range(4):
        for outcome in race(8, cycle):
            if isinstance(outcome, dict):
                seen.append(outcome["version"])
    assert len(seen) == len(set(seen)), "no version was handed out twice"


def test_given_16_updates_carrying_one_version_when_racing_then_exactly_one_wins_and_is_stored(
    store: InstanceRepository,
) -> None:
    store.create(instance("contested"))
    outcomes = race(
        16, lambda index: store.update("contested", Changes(hostIDs=[f"h{index}"]), T1, Expected(version=1))
    )
    winners = [outcome for outcome in outcomes if isinstance(outcome, dict)]
    assert len(winners) == 1
    assert all(isinstance(outcome, Conflict) for outcome in outcomes if not isinstance(outcome, dict))
    assert store.get("contested") == winners[0]
    assert winners[0]["version"] == 2


def test_given_64_unversioned_updates_when_racing_then_none_is_lost(store: InstanceRepository) -> None:
    store.create(instance("counter"))
    outcomes = race(64, lambda index: store.update("counter", Changes(hostIDs=[f"h{index}"]), T1))
    assert all(isinstance(outcome, dict) for outcome in outcomes)
    assert store.get("counter")["version"] == 65
    assert sorted(outcome["version"] for outcome in outcomes) == list(range(2, 66))  # type: ignore[index]
