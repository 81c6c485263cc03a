"""The run document: its environment block, loading from disk and validation.

A run document is the JSON form of one run (see ``docs/architecture.md``). It
is validated against ``schema.json`` before any report is written, and every
file read back is validated the same way.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import jsonschema

from leak_tests.engine.result import SCHEMA_VERSION
from leak_tests.errors import ResultsFileError

SCHEMA_PATH = Path(__file__).with_name("schema.json")

REPORTED_PACKAGES = ("psutil", "objgraph", "pytest", "matplotlib")
"""Packages whose installed versions the environment block records."""

GIT_TIMEOUT_S = 5.0


@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    """Return the JSON Schema of the run document."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def collect_environment(
    *, started_at: datetime | None = None, duration_s: float | None = None
) -> dict[str, Any]:
    """Describe this interpreter, machine and checkout for the environment block."""
    started = started_at or datetime.now(timezone.utc)
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": platform.platform(),
        "cpu_count": os.cpu_count(),
        "packages": {name: _package_version(name) for name in REPORTED_PACKAGES},
        "git_commit": _git("rev-parse", "HEAD"),
        "git_branch": _git("rev-parse", "--abbrev-ref", "HEAD"),
        "started_at": started.isoformat(),
        "duration_s": duration_s,
    }


def fill_environment(document: dict[str, Any]) -> dict[str, Any]:
    """Add the environment block to ``document`` when it has none; return it."""
    if not document.get("environment"):
        document["environment"] = collect_environment()
    return document


def validate_document(document: Any, *, source: str = "run document") -> None:
    """Raise ``ResultsFileError`` naming ``source`` if ``document`` is invalid."""
    if isinstance(document, dict):
        version = document.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ResultsFileError(
                f"{source} has schema_version {version!r}, but this harness reads "
                f"version {SCHEMA_VERSION}; re-run it with this version of leak_tests"
            )
    validator = jsonschema.Draft202012Validator(load_schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        raise ResultsFileError(
            f"{source} is not a valid run document: at {where}: {error.message}"
        )


def wrap_check_result(result: dict[str, Any]) -> dict[str, Any]:
    """Wrap one ``Result.to_dict()`` (as ``check --json`` saves) into a document."""
    scenario = {key: value for key, value in result.items() if key != "kind"}
    scenario.setdefault("id", str(result.get("target", "check")))
    return {
        "schema_version": result.get("schema_version", SCHEMA_VERSION),
        "kind": "check",
        "partial": False,
        # NOTE: a bare result carries no environment, so this describes the
        # machine that renders the report, not necessarily the one that measured.
        "environment": collect_environment(),
        # A non-object "settings" is left for validation to reject by name.
        "settings": result.get("settings") or {},
        "scenarios": [scenario],
    }


def _is_bare_result(data: Any) -> bool:
    # `check --json` saves one result, with or without "kind": "check".
    return (
        isinstance(data, dict)
        and "target" in data
        and "scenarios" not in data
        and data.get("kind", "check") == "check"
    )


def load_document(path: Path, *, role: str = "results file") -> dict[str, Any]:
    """Read and validate a run document, or a bare result saved by ``check --json``.

    Raises ``ResultsFileError`` naming ``role`` and ``path`` when the file is
    missing, unreadable, not JSON, truncated or of another schema.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ResultsFileError(
            f"{role} {str(path)!r} not found; pass the leakcheck.json that "
            "`python -m leak_tests run` wrote"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultsFileError(f"cannot read {role} {str(path)!r}: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        stripped = text.strip()
        truncated = stripped[:1] in ("{", "[") and stripped[-1:] not in ("}", "]")
        hint = " (the file looks truncated)" if truncated else ""
        raise ResultsFileError(
            f"{role} {str(path)!r} is not valid JSON{hint}: {exc.msg} at line "
            f"{exc.lineno} column {exc.colno}"
        ) from exc
    if _is_bare_result(data):
        data = wrap_check_result(data)
    validate_document(data, source=f"{role} {str(path)!r}")
    return dict(data)


def finite(value: Any) -> Any:
    """Return ``value`` with NaN and infinite floats replaced by ``None``.

    JSON has no spelling for them, and the schema reads ``null`` as "not measured".
    """
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def _package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _git(*args: str) -> str | None:
    try:
        completed = subprocess.run(
            ["git", *args],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    output = completed.stdout.strip()
    return output if completed.returncode == 0 and output else None


def python_label(document: dict[str, Any], scenario: dict[str, Any]) -> str:
    """Return the Python version a scenario ran under (its label, else the run's)."""
    label = scenario.get("python") or document.get("environment", {}).get("python")
    return str(label or sys.version.split()[0])
