"""Durations as a command line writes them: `30s`, `5m`, `1h`, `1m30s`, `500ms`.

A unit is required (a bare `5` could mean seconds or minutes), as in Go's and kubectl's
durations; the value is seconds, as `time.monotonic` counts them.
"""

from __future__ import annotations

import re

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d{1,9}(?:\.\d{1,9})?)(ms|s|m|h)")
_WHOLE = re.compile(rf"(?:{_PART.pattern})+")


def parse_duration(text: str) -> float:
    """Seconds in `text`; ValueError, saying what is expected, if it is not a duration."""
    if not _WHOLE.fullmatch(text.strip()):
        raise ValueError(f"{text!r} is not a duration such as 30s, 5m, 1h or 1m30s")
    return sum(float(number) * _UNITS[unit] for number, unit in _PART.findall(text))


def spoken(seconds: float) -> str:
    """`seconds` as a short duration for a message: 45s, 5m, 1h30m, 0.5s."""
    if seconds < 60 or seconds != int(seconds):
        return f"{seconds:g}s"
    whole = int(seconds)
    parts = [(whole // 3600, "h"), (whole % 3600 // 60, "m"), (whole % 60, "s")]
    return "".join(f"{amount}{unit}" for amount, unit in parts if amount)
