"""Swap Powertools' data_classes package `__init__` for a lazy one in the built layer, or stop.

    python patches/lazy_powertools.py TARGET    (TARGET: the folder pip installed the layer into)

`utilities/data_classes/__init__.py` imports every event class, so a function behind API
Gateway that reads its event with `APIGatewayProxyEvent` loads the code of every other event
source too. The lazy version beside this script exports the same names and loads each from
its submodule on first access (PEP 562). (The event_handler package had one too until the
functions stopped using Powertools' resolver: decision 165; the layer leaves it out.)

It was written against the file whose sha256 `powertools.sha256` records. Any other
file (a Powertools upgrade, a local edit) stops the build before anything is replaced and
says what to re-check: a lazy file that misses a name the new version added would break
that name's import, and nothing else would notice before production.

Standard library only: it runs in the layer's build (layers/common/Makefile), with
whichever python3.13 `sam build` finds.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

PATCHES = Path(__file__).resolve().parent
RECORDED = PATCHES / "powertools.sha256"
RECORDED_VERSION = "3.37.0"


def recorded_hashes() -> dict[str, str]:
    """Each replaced file's path in the layer, and the sha256 the lazy version was written against."""
    hashes = {}
    for line in RECORDED.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            digest, path = line.split(maxsplit=1)
            hashes[path] = digest
    return hashes


def sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def installed_version(target: Path) -> str:
    metadata = sorted(target.glob("aws_lambda_powertools-*.dist-info/METADATA"))
    for line in metadata[0].read_text(encoding="utf-8").splitlines() if metadata else []:
        if line.startswith("Version:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def mismatch_report(target: Path, changed: dict[str, str | None]) -> str:
    lines = [
        "layers/common/patches: Powertools files differ from those the lazy-import patch was written against "
        f"(aws-lambda-powertools {RECORDED_VERSION}); installed: aws-lambda-powertools {installed_version(target)}. "
        "The layer is not built.",
    ]
    for path, digest in changed.items():
        found = f"sha256 {digest}" if digest else "missing"
        lines.append(f"  changed: {path} ({found}; recorded {recorded_hashes()[path]})")
    lines += [
        "Re-check before building: diff each changed file against Powertools "
        f"{RECORDED_VERSION}'s (docs/upstream-powertools-lazy-imports.md shows it); carry every name it adds, "
        "removes or moves into the lazy file of the same path under layers/common/patches/ (its _LAZY_IMPORTS, "
        "__all__ and TYPE_CHECKING imports), run the tests in tests/unit/test_lazy_powertools.py, then record "
        "the new sha256 in layers/common/patches/powertools.sha256. If Powertools made the package lazy "
        "itself, delete the patch instead.",
    ]
    return "\n".join(lines)


def apply(target: Path) -> list[str]:
    """Replace the recorded files under `target` with the lazy versions; raise, replacing
    nothing, if any installed file is not the recorded one."""
    hashes = recorded_hashes()
    found = {path: sha256(target / path) for path in hashes}
    changed = {path: digest for path, digest in found.items() if digest != hashes[path]}
    if changed:
        raise SystemExit(mismatch_report(target, changed))
    for path in hashes:
        shutil.copyfile(PATCHES / path, target / path)
    return list(hashes)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        raise SystemExit(f"usage: {argv[0]} TARGET (the folder pip installed the layer into)")
    for path in apply(Path(argv[1])):
        print(f"lazy imports: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
