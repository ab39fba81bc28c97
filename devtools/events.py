"""The API Gateway events in events/ (one per operation; seed/ holds the seed note's bodies)."""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from devtools.template import ROOT

EVENTS = ROOT / "events"
SEED = EVENTS / "seed"


@cache
def _event_file(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return event


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of events/<name>.json."""
    return copy.deepcopy(_event_file(name))


def seed_body(name: str) -> str:
    """The seed note's request body, verbatim (events/seed/<name>.json)."""
    return (SEED / f"{name}.json").read_text(encoding="utf-8")
