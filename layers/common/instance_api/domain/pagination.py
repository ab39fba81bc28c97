"""Opaque, tamper-evident `nextToken`s for list pages.

A token is `v1.<payload>.<mac>`: the payload (base64url JSON) holds the listing's scope
(the namespace, or null for all) and the last key returned; the mac is HMAC-SHA256 over
both with the deployment's key (a Secrets Manager secret that CloudFormation generates,
read at run time: domain/keys.py). Tokens are signed with the current key and accepted with the
current or the previous one, so a rotation does not break a listing in progress. Opaque
means "no contract": clients must not parse it. The payload is not secret (it names an
instance the caller just listed) but cannot be forged, and a token from another listing,
another deployment or a key two rotations old is rejected.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Protocol

from instance_api.domain.errors import Malformed

_VERSION = "v1"
MIN_KEY_LENGTH = 32


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class KeyRing(Protocol):
    """The keys tokens are signed with (keys.RotatingKey reads them from Secrets Manager)."""

    def current(self) -> bytes: ...

    def accepted(self) -> Iterator[bytes]: ...

    def refresh(self) -> bool: ...


def _mac(key: bytes, signed: str) -> str:
    if len(key) < MIN_KEY_LENGTH:
        raise ValueError(f"the pagination key must be at least {MIN_KEY_LENGTH} bytes")
    return _b64(hmac.new(key, signed.encode("ascii"), hashlib.sha256).digest())


class PageTokens:
    def __init__(self, keys: KeyRing) -> None:
        self._keys = keys

    def encode(self, scope: str | None, last_key: dict[str, str]) -> str:
        payload = _b64(json.dumps({"s": scope, "k": last_key}, separators=(",", ":")).encode())
        signed = f"{_VERSION}.{payload}"
        return f"{signed}.{_mac(self._keys.current(), signed)}"

    def _signed_by_us(self, signed: str, mac: str) -> bool:
        def known() -> bool:
            return any(hmac.compare_digest(mac, _mac(key, signed)) for key in self._keys.accepted())

        # A key we do not know yet may be another container's newer one: read the keys again.
        return known() or (self._keys.refresh() and known())

    def decode(self, token: str, scope: str | None) -> dict[str, str]:
        """The last key of the page `token` ends, if it was issued for this `scope`."""
        rejected = Malformed("nextToken is not valid for this listing; start again without it")
        version, _, rest = token.partition(".")
        payload, _, mac = rest.partition(".")
        if version != _VERSION or not token.isascii():
            raise rejected
        if not self._signed_by_us(f"{version}.{payload}", mac):
            raise rejected
        try:
            decoded = json.loads(_unb64(payload))
        except (binascii.Error, ValueError):
            raise rejected from None
        if not isinstance(decoded, dict) or decoded.get("s") != scope:
            raise rejected
        last_key = decoded.get("k")
        if not isinstance(last_key, dict):
            raise rejected
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in last_key.items()):
            raise rejected
        return last_key
