"""Another function also called `app`: multi-value headers, binary bodies, its own env."""

import base64
import json
import os
from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event["path"].endswith("/binary"):
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "application/octet-stream"},
            "body": base64.b64encode(bytes(range(256))).decode(),
            "isBase64Encoded": True,
        }
    body = {"module": __file__, "only_echo": os.environ.get("ONLY_ECHO"), "only_other": os.environ.get("ONLY_OTHER")}
    return {
        "statusCode": 201,
        "headers": {"X-Single": "one"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "Content-Type": ["application/json"]},
        "body": json.dumps(body),
    }
