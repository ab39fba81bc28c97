"""Package size: what `sam build` produces, unzipped, per function and for the layer."""

from __future__ import annotations

from pathlib import Path


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def measure(build_dir: Path) -> dict[str, dict[str, float]]:
    artifacts = {folder.name: _size(folder) for folder in build_dir.iterdir() if folder.is_dir()}
    layer_python = build_dir / "CommonLayer" / "python"
    biggest = sorted(
        ((folder.name, _size(folder)) for folder in layer_python.iterdir() if folder.is_dir()),
        key=lambda entry: -entry[1],
    )[:6]
    results: dict[str, dict[str, float]] = {name: {"mb": size / 1e6} for name, size in sorted(artifacts.items())}
    results["total"] = {"mb": sum(artifacts.values()) / 1e6}
    results["layer contents"] = {name: size / 1e6 for name, size in biggest}
    return results
