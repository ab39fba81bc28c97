"""How long from `make run` (already installed) to the first answered request.

    .venv/bin/python -m devtools.time_to_first_request [runs]

Starts `make run` on a free port, polls the template's GET route until it answers 200, stops
it, and prints each run and the median. The README's number comes from here.
"""

from __future__ import annotations

import http.client
import os
import signal
import statistics
import subprocess
import sys
import time

from devtools.processes import free_port
from devtools.template import ROOT, Template


def once(path: str) -> float:
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while time.perf_counter() - started < 60:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                connection.request("GET", path)
                if connection.getresponse().status == 200:
                    return time.perf_counter() - started
            except OSError:
                pass
            finally:
                connection.close()
            time.sleep(0.02)
        raise TimeoutError("no answer within 60 s")
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    # The list route, as the template declares it.
    path = next(route.path for route in Template.load().routes() if route.method == "GET")
    times = [once(path) for _ in range(runs)]
    print("runs: " + ", ".join(f"{elapsed:.2f} s" for elapsed in times))
    print(f"median time to first answered request: {statistics.median(times):.2f} s")


if __name__ == "__main__":
    main()
