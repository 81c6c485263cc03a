"""Combine partial runs (CI shards, several Python versions) into one document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from leak_tests.engine.result import SCHEMA_VERSION
from leak_tests.errors import ResultsFileError, UsageError
from leak_tests.report.document import collect_environment, python_label


def merge_documents(runs: list[tuple[Path, dict[str, Any]]]) -> dict[str, Any]:
    """Merge valid run documents, each given with the file it came from.

    Scenarios keep their own ``python`` label (filled from their run's
    environment when missing). Raises ``ResultsFileError`` when two files
    hold the same scenario id for the same Python version, or when their
    schema versions differ, naming both files.
    """
    if not runs:
        raise UsageError("merge needs at least one results file")
    _check_schema_versions(runs)
    scenarios: list[dict[str, Any]] = []
    owners: dict[tuple[str, str], Path] = {}
    merged: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "kind": "leakcheck",
        "partial": any(document["partial"] for _, document in runs),
        "environment": collect_environment(),
        "settings": dict(runs[0][1]["settings"]),
        "scenarios": scenarios,
        "calibration": {"noise_floor": {}, "controls": []},
        "bursts": [],
        "timings": [],
        "soak": None,
        "merged_from": [],
    }
    for path, document in runs:
        for scenario in document["scenarios"]:
            python = python_label(document, scenario)
            key = (str(scenario["id"]), python)
            if key in owners:
                raise ResultsFileError(
                    f"scenario {key[0]!r} for Python {python} is in both "
                    f"{str(owners[key])!r} and {str(path)!r}; merge shards that "
                    "ran different scenarios or Python versions"
                )
            owners[key] = path
            scenarios.append({**scenario, "python": python})
        _merge_extras(merged, document)
        merged["merged_from"].append(_source(path, document))
    merged["soak"] = _merge_soaks(runs)
    return merged


def _check_schema_versions(runs: list[tuple[Path, dict[str, Any]]]) -> None:
    first_path, first = runs[0]
    for path, document in runs[1:]:
        if document["schema_version"] != first["schema_version"]:
            raise ResultsFileError(
                f"{str(first_path)!r} has schema_version {first['schema_version']} "
                f"but {str(path)!r} has {document['schema_version']}; re-run the "
                "older shard with the same version of leak_tests"
            )


def _merge_extras(merged: dict[str, Any], document: dict[str, Any]) -> None:
    python = str(document["environment"].get("python", ""))
    calibration = document.get("calibration") or {}
    floors = merged["calibration"]["noise_floor"]
    for name, value in (calibration.get("noise_floor") or {}).items():
        if value is not None:
            floors[name] = max(float(value), floors.get(name) or 0.0)
    for control in calibration.get("controls") or []:
        merged["calibration"]["controls"].append({"python": python, **control})
    for key in ("bursts", "timings"):
        for row in document.get(key) or []:
            merged[key].append({"python": python, **row})


def _merge_soaks(runs: list[tuple[Path, dict[str, Any]]]) -> dict[str, Any] | None:
    """Return the one soak section, or every soak with its patterns labelled.

    When several files contain a soak, each pattern becomes ``fixed (file name,
    Python 3.12)`` so that every soak keeps its own row, series and verdict.
    """
    soaks = [(path, document) for path, document in runs if document.get("soak")]
    if len(soaks) <= 1:
        return soaks[0][1]["soak"] if soaks else None
    merged: dict[str, Any] = {
        "settings": soaks[0][1]["soak"].get("settings"),
        "samples": {},
        "patterns": {},
    }
    for path, document in soaks:
        python = document["environment"].get("python", "?")
        for pattern, summary in (document["soak"].get("patterns") or {}).items():
            label = f"{pattern} ({path.parent.name or path.name}, Python {python})"
            merged["patterns"][label] = summary
            samples = (document["soak"].get("samples") or {}).get(pattern)
            if samples is not None:
                merged["samples"][label] = samples
    return merged


def _source(path: Path, document: dict[str, Any]) -> dict[str, Any]:
    return {
        "path": str(path),
        "environment": document["environment"],
        "settings": document["settings"],
        "partial": document["partial"],
        "scenarios": len(document["scenarios"]),
    }


def python_versions(document: dict[str, Any]) -> list[str]:
    """Return the Python versions the document's scenarios ran under, sorted."""
    versions = {python_label(document, s) for s in document["scenarios"]}
    return sorted(versions, key=_version_key)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))
