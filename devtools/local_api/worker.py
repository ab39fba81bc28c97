"""One local Lambda execution environment: loads one function's handler, then serves invokes.

The local API starts it as `python -I worker.py HANDLER CODE_DIR [LAYER_DIR...]`, the way
Lambda starts a container for a function: a process of its own, with that function's
environment only, and `sys.path` = code, then layers, then the runtime's packages. So the
four `app.py` never shadow each other and none sees another's settings. `-I` keeps this
file's folder (the emulator) off `sys.path`; the file itself uses only the standard library.

Protocol with the parent, in frames of a 4-byte big-endian length and a JSON document:
  worker -> parent  {"ready": true} | {"initError": "<traceback>"}
  parent -> worker  {"event": {...}, "requestId": "...", "timeoutMs": 15000}
  worker -> parent  {"result": <handler's return value>} | {"error": {...}}
The worker's own stdout is moved to stderr first, so the handler's prints and logs reach
the developer's console and can never corrupt a frame.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import struct
import sys
import time
import traceback
from typing import IO, Any

_HEADER = struct.Struct(">I")


def read_frame(stream: IO[bytes]) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (length,) = _HEADER.unpack(header)
    return json.loads(stream.read(length))


def write_frame(stream: IO[bytes], payload: bytes) -> None:
    stream.write(_HEADER.pack(len(payload)) + payload)
    stream.flush()


class LambdaContext:
    """The context object Lambda's Python runtime passes to a handler."""

    def __init__(self, request_id: str, timeout_ms: int) -> None:
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        region = os.environ.get("AWS_REGION", "us-east-1")
        self.invoked_function_arn = f"arn:aws:lambda:{region}:000000000000:function:{self.function_name}"
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main(argv: list[str]) -> int:
    # Ctrl-C reaches the whole process group; stopping workers is the parent's job.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    requests = sys.stdin.buffer
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())

    handler_name, code_dir, *layer_dirs = argv
    sys.path[:0] = [code_dir, *layer_dirs]
    try:
        module_name, _, function_name = handler_name.rpartition(".")
        handler = getattr(importlib.import_module(module_name), function_name)
    except BaseException:  # noqa: BLE001 - Lambda reports any init failure, then stops
        write_frame(replies, json.dumps({"initError": traceback.format_exc()}).encode())
        return 1
    write_frame(replies, b'{"ready":true}')

    while (invoke := read_frame(requests)) is not None:
        context = LambdaContext(invoke["requestId"], invoke["timeoutMs"])
        try:
            reply = json.dumps({"result": handler(invoke["event"], context)})
        except BaseException as error:  # noqa: BLE001 - any failure is the invoke's error
            # sys.exit() in a handler ends the execution environment, as it does on Lambda.
            fatal = isinstance(error, SystemExit | KeyboardInterrupt)
            failure = {
                "errorType": type(error).__name__,
                "errorMessage": str(error),
                "stackTrace": traceback.format_exc(),
                "fatal": fatal,
            }
            write_frame(replies, json.dumps({"error": failure}).encode())
            if fatal:
                return 1
            continue
        write_frame(replies, reply.encode())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
