"""A Powertools upgrade whose lazily replaced `__init__` file differs stops the layer build (decision 108).

The layer's real build recipe (`make build-CommonLayer`, what `sam build` runs) installs
an "aws-lambda-powertools 3.38.0" wheel made here from the installed 3.37.0 with one name
added to `utilities/data_classes/__init__.py`, from a local folder (no index): the build must stop
before compiling anything, naming the file and what to re-check.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import aws_lambda_powertools
import pytest

from devtools.template import ROOT

# real_clock: the build fetches the layer's packages over TLS (devtools/future_clock.py).
pytestmark = [pytest.mark.slow, pytest.mark.real_clock]

INSTALLED = Path(aws_lambda_powertools.__file__).parent
CHANGED = "aws_lambda_powertools/utilities/data_classes/__init__.py"
UPGRADE = "3.38.0"


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def upgraded_wheel(folder: Path) -> Path:
    """The installed Powertools as a wheel of version UPGRADE whose data_classes package exports one more name."""
    files = {}
    for path in sorted(INSTALLED.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            files[path.relative_to(INSTALLED.parent).as_posix()] = path.read_bytes()
    files[CHANGED] += b'__all__ += ["NewEventInUpgrade"]\n'
    dist_info = f"aws_lambda_powertools-{UPGRADE}.dist-info"
    files[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: aws-lambda-powertools\nVersion: {UPGRADE}\n".encode()
    )
    files[f"{dist_info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = [_record_line(name, data) for name, data in files.items()] + [f"{dist_info}/RECORD,,"]
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = folder / f"aws_lambda_powertools-{UPGRADE}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return wheel


def test_given_a_powertools_upgrade_whose_init_differs_when_the_layer_builds_then_it_stops_saying_what_to_recheck(
    tmp_path: Path,
) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    upgraded_wheel(wheels)
    layer = tmp_path / "layer"
    shutil.copytree(ROOT / "layers" / "common", layer, ignore=shutil.ignore_patterns("__pycache__"))
    (layer / "requirements.txt").write_text(f"aws-lambda-powertools=={UPGRADE}\n", encoding="utf-8")
    artifacts = tmp_path / "artifacts"

    result = subprocess.run(
        ["make", "--no-print-directory", "build-CommonLayer", f"ARTIFACTS_DIR={artifacts}", f"PYTHON={sys.executable}"],
        cwd=layer,
        env={**os.environ, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode != 0, result.stdout
    assert f"installed: aws-lambda-powertools {UPGRADE}. The layer is not built." in result.stderr, result.stderr
    assert f"changed: {CHANGED}" in result.stderr
    assert "Re-check before building" in result.stderr
    installed = artifacts / "python"
    assert (installed / f"aws_lambda_powertools-{UPGRADE}.dist-info").is_dir(), "pip installed the upgrade"
    assert b"NewEventInUpgrade" in (installed / CHANGED).read_bytes(), "the upgraded file is left as it came"
    assert not list(installed.rglob("*.pyc")), "the build stopped before compiling the layer"
