"""moto's DynamoDB on a loopback port, in memory: `make run`'s default store.

Conditional writes have exactly one winner, as on DynamoDB, because the embedded server
serialises its requests (devtools/embedded_moto.py).
"""

from __future__ import annotations

from devtools.embedded_moto import EmbeddedMoto


class EmbeddedDynamoDB(EmbeddedMoto):
    engine = "embedded DynamoDB (moto, in memory: data is gone when it stops)"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__("dynamodb", host, port)
