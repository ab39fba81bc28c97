"""An SDK generated from openapi.yaml, as a user generates one (openapi-python-client, the pinned
release), has a class per concept rather than one per operation and status, and works against
the local API (`make run`'s server) with typed answers and typed errors."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from devtools.openapi import OPENAPI_PATH
from tests.http.local_api import LocalApi

pytestmark = pytest.mark.slow

PACKAGE = "instance_api_client"  # openapi-python-client's name for the title "Instance API"
# "A few dozen": the document inlined an envelope per operation and status, 442 classes (issue 22).
MODEL_CLASSES_MAX = 40
IMAGE = "registry.example.com/team/web:1.4.2"


@pytest.fixture(scope="module")
def sdk_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The generated package's folder, importable while this module's tests run."""
    venv_bin = Path(sys.executable).parent
    generator = venv_bin / "openapi-python-client"
    assert generator.exists(), f"{generator} is missing: make install (requirements/dev.txt pins it)"
    package = tmp_path_factory.mktemp("sdk") / PACKAGE
    # With the venv's ruff on PATH the generator formats what it writes, as on a user's machine.
    environment = {**os.environ, "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [str(generator), "generate", "--path", str(OPENAPI_PATH), "--meta", "none", "--output-path", str(package)],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "warning" not in output.lower(), f"every part of the document was understood:\n{output}"
    sys.path.insert(0, str(package.parent))
    yield package
    sys.path.remove(str(package.parent))
    for module in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
        del sys.modules[module]


@pytest.fixture(scope="module")
def sdk(sdk_path: Path) -> ModuleType:
    return importlib.import_module(PACKAGE)


def _module(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


def _operations(tag: str, scope: str = "") -> tuple[Any, Any, Any, Any]:
    """The tag's create, get, update and delete modules (each has sync_detailed, asyncio_detailed...)."""
    create, get, update, delete = (
        _module(f"api.{tag}.{verb}_{scope}{noun}")
        for verb, noun in (("create", "instance"), ("get", "instances"), ("update", "instance"), ("delete", "instance"))
    )
    return create, get, update, delete


def test_given_the_document_when_generating_an_sdk_then_it_has_a_few_dozen_model_classes_at_most(
    sdk_path: Path,
) -> None:
    classes = sorted(
        name
        for source in (sdk_path / "models").glob("*.py")
        for name in re.findall(r"^class (\w+)", source.read_text(encoding="utf-8"), re.MULTILINE)
    )
    print(f"{len(classes)} model classes: {', '.join(classes)}")
    assert len(classes) <= MODEL_CLASSES_MAX, classes
    assert {"Instance", "InstanceResponse", "InstancePageResponse", "ErrorResponse", "ErrorReason"} <= set(classes)
    assert not [name for name in classes if re.search(r"Response\d{3}", name)], "no class per operation and status"


def test_given_the_sdk_when_creating_getting_listing_updating_and_deleting_then_each_answer_is_typed(
    sdk: ModuleType, embedded_local_api: LocalApi
) -> None:
    create, get, update, delete = _operations("instances")
    models = _module("models")
    client = sdk.Client(base_url=embedded_local_api.base_url, raise_on_unexpected_status=True)
    name, namespace = f"sdk-{uuid.uuid4().hex[:12]}", f"sdk-{uuid.uuid4().hex[:8]}"
    spec = models.Spec(image=IMAGE)
    body = models.CreateInstanceRequest(name=name, namespace=namespace, spec=spec, host_i_ds=["host-a"])

    created = create.sync_detailed(client=client, body=body)
    assert created.status_code == HTTPStatus.OK, created.content
    assert isinstance(created.parsed, models.InstanceResponse)
    assert (created.parsed.message, created.parsed.data.version) == ("create succeed", 1)
    assert (created.parsed.data.name, created.parsed.data.spec.image) == (name, IMAGE)
    assert isinstance(created.parsed.data.created_at, datetime)

    got = get.sync_detailed(client=client, name=name)
    assert isinstance(got.parsed, models.InstanceWithStatusResponse)
    fields = got.parsed.data.to_dict()
    status = fields.pop("status")
    assert fields == created.parsed.data.to_dict()
    assert (status["phase"], status["desired"], status["ready"]) == ("Progressing", 1, 0), "host-a has not reported"
    assert got.parsed.data.status.hosts[0].state == models.HostStatusEntryState.UNKNOWN

    listed = get.sync_detailed(client=client, namespace=namespace, limit=10)
    assert isinstance(listed.parsed, models.InstancePageResponse)
    assert ([item.name for item in listed.parsed.data.items], listed.parsed.data.next_token) == ([name], None)

    change = models.UpdateInstanceRequest(name=name, version=1, share_storage=True)
    updated = update.sync_detailed(client=client, body=change)
    assert isinstance(updated.parsed, models.InstanceResponse)
    assert (updated.parsed.data.version, updated.parsed.data.share_storage) == (2, True)

    stale = update.sync_detailed(client=client, body=change)
    assert stale.status_code == HTTPStatus.CONFLICT
    assert isinstance(stale.parsed, models.ErrorResponse)
    assert (stale.parsed.code, stale.parsed.message) == (409, "update failed")
    assert stale.parsed.data.reason == models.ErrorReason.CONFLICT
    assert "version 2, not 1" in stale.parsed.data.error

    deleted = delete.sync_detailed(client=client, name=name)
    assert isinstance(deleted.parsed, models.DeletedInstanceResponse)
    assert deleted.parsed.data.name == name

    gone = get.sync_detailed(client=client, name=name)
    assert isinstance(gone.parsed, models.ErrorResponse)
    assert (gone.status_code, gone.parsed.data.reason) == (HTTPStatus.NOT_FOUND, models.ErrorReason.NOT_FOUND)


def test_given_the_sdk_when_working_in_a_namespace_then_its_path_confines_the_calls_and_errors_carry_details(
    sdk: ModuleType, embedded_local_api: LocalApi
) -> None:
    create, get, _, delete = _operations("namespaced_instances", "namespaced_")
    models = _module("models")
    client = sdk.Client(base_url=embedded_local_api.base_url, raise_on_unexpected_status=True)
    name, team, other = f"sdk-{uuid.uuid4().hex[:12]}", f"team-{uuid.uuid4().hex[:8]}", f"team-{uuid.uuid4().hex[:8]}"
    key = uuid.uuid4().hex
    body = models.CreateInstanceRequest(name=name, host_i_ds=["host-a"])

    first = create.sync_detailed(team, client=client, body=body, idempotency_key=key)
    retried = create.sync_detailed(team, client=client, body=body, idempotency_key=key)
    assert isinstance(first.parsed, models.InstanceResponse)
    assert first.parsed.data.namespace == team
    assert retried.parsed == first.parsed, "a retry with the same key gets the first answer"

    elsewhere = get.sync_detailed(other, client=client, name=name)
    assert isinstance(elsewhere.parsed, models.ErrorResponse)
    assert elsewhere.parsed.data.reason == models.ErrorReason.NOT_FOUND

    invalid = models.CreateInstanceRequest(name="Web_1", host_i_ds=["host-a", "host-a"])
    refused = create.sync_detailed(team, client=client, body=invalid)
    assert isinstance(refused.parsed, models.ErrorResponse)
    assert refused.parsed.data.reason == models.ErrorReason.INVALID
    assert {detail.field for detail in refused.parsed.data.details} == {"name", "hostIDs"}

    deleted = delete.sync_detailed(team, client=client, name=name)
    assert isinstance(deleted.parsed, models.DeletedInstanceResponse)
