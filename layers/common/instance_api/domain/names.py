"""Server-generated instance names, as Kubernetes `generateName` makes them."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# Kubernetes' random alphabet: no vowels (no accidental words) and no 0/1/3 (look-alikes).
ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_LETTERS = "bcdfghjklmnpqrstvwxz"
GENERATED_NAME_LENGTH = 20


def name_from_seed(secret: bytes, seed: str) -> str:
    """The same 20-character name for the same seed (a create's caller and Idempotency-Key).

    A retry of a create whose answer was lost must not invent a second name: with a name
    derived from its key, the retry finds the instance its first attempt wrote. The
    server's `secret` keys the derivation (HMAC-SHA256), so no one can tell the name from
    the caller and the key, and take it first.
    """
    digest = hmac.new(secret, seed.encode("utf-8"), hashlib.sha256).digest()
    rest = "".join(ALPHABET[byte % len(ALPHABET)] for byte in digest[1:GENERATED_NAME_LENGTH])
    return _LETTERS[digest[0] % len(_LETTERS)] + rest


def generate_name() -> str:
    """A 20-character DNS-1123 label starting with a letter, from a CSPRNG (27^19 * 20 values)."""
    rest = "".join(secrets.choice(ALPHABET) for _ in range(GENERATED_NAME_LENGTH - 1))
    return secrets.choice(_LETTERS) + rest
