"""Server-generated instance names, as Kubernetes `generateName` makes them."""

from __future__ import annotations

import secrets

# Kubernetes' random alphabet: no vowels (no accidental words) and no 0/1/3 (look-alikes).
ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_LETTERS = "bcdfghjklmnpqrstvwxz"
GENERATED_NAME_LENGTH = 20


def generate_name() -> str:
    """A 20-character DNS-1123 label starting with a letter, from a CSPRNG (27^19 * 20 values)."""
    rest = "".join(secrets.choice(ALPHABET) for _ in range(GENERATED_NAME_LENGTH - 1))
    return secrets.choice(_LETTERS) + rest
