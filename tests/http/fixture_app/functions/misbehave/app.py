"""Misbehaves as asked by ?do=: raise, malformed, exit, sleep, or meet other invokes."""

import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any


def handler(event: dict[str, Any], context: Any) -> Any:
    query = event["queryStringParameters"] or {}
    action = query.get("do")
    if action == "raise":
        raise ValueError("internal detail that must not reach the client")
    if action == "malformed":
        return {"statusCode": "two hundred", "body": {"not": "a string"}}
    if action == "extra-key":
        return {"statusCode": 200, "body": "{}", "unexpected": True}
    if action == "exit":
        sys.exit(3)
    if action == "sleep":
        time.sleep(float(query["seconds"]))
    if action == "rendezvous":
        # Each invoke leaves a mark, then waits for `count` marks: only concurrent invokes meet.
        folder = Path(query["dir"])
        (folder / uuid.uuid4().hex).touch()
        deadline = time.monotonic() + 0.8
        while time.monotonic() < deadline and len(list(folder.iterdir())) < int(query["count"]):
            time.sleep(0.01)
        met = len(list(folder.iterdir())) >= int(query["count"])
        return {"statusCode": 200, "body": json.dumps({"met": met, "pid": os.getpid()})}
    return {"statusCode": 200, "body": json.dumps({"pid": os.getpid()})}
