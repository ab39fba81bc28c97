"""Build tier: one `sam build` per test session, shared by the build tests and the bench's."""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools import lambda_artifact


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The artifact `sam deploy` would ship; read only (interpreters run it with -B)."""
    return lambda_artifact.build(tmp_path_factory.mktemp("sam") / "build")


@pytest.fixture(scope="session")
def lambda_runtime_packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return lambda_artifact.runtime_packages(tmp_path_factory.mktemp("lambda-runtime"))
