"""resolve_target returns a callable or names the bad value and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from leak_tests.engine.target import resolve_target
from leak_tests.errors import TargetError


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "target_module.py"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_module_function_resolved() -> None:
    # WHEN a module:function target is resolved
    target = resolve_target("os:getpid")

    # THEN the function is returned
    assert target() > 0


def test_file_dotted_attribute_resolved(tmp_path: Path) -> None:
    # GIVEN a file with a class and a static method
    path = _write(
        tmp_path,
        "class Jobs:\n    @staticmethod\n    def run():\n        return 'ran'\n",
    )

    # WHEN a file.py:Class.method target is resolved
    target = resolve_target(f"{path}:Jobs.run")

    # THEN the method is returned
    assert target() == "ran"


def test_supplied_arguments_accepted(tmp_path: Path) -> None:
    # GIVEN a factory that requires one keyword argument
    path = _write(tmp_path, "def make(size):\n    return size\n")

    # WHEN the caller will pass that argument
    target = resolve_target(f"{path}:make", supplied=["size"])

    # THEN the factory is returned
    assert target(size=3) == 3


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("os.getpid", r"invalid target 'os\.getpid': use 'package\.module:function'"),
        ("os:", "invalid target 'os:'"),
        (":getpid", "invalid target ':getpid'"),
        ("os:get-pid", "'get-pid' is not a dotted name"),
        ("no_such_module_xyz:run", "module 'no_such_module_xyz' .* not found"),
        ("os:no_such_function", "'os' has no attribute 'no_such_function'"),
        ("os:sep", r"is not callable \(its type is str\)"),
        ("asyncio:sleep", r"is an async function.*asyncio\.run"),
        ("os:getenv", r"requires arguments \(key\)"),
    ],
)
def test_invalid_targets_rejected(spec: str, message: str) -> None:
    # WHEN an unusable target is resolved
    with pytest.raises(TargetError, match=message):
        resolve_target(spec)


def test_missing_file_rejected(tmp_path: Path) -> None:
    # WHEN the file does not exist
    spec = f"{tmp_path}/absent.py:run"

    # THEN the error names the file
    with pytest.raises(TargetError, match=r"absent\.py' of target .* not found"):
        resolve_target(spec)


def test_import_failure_rejected(tmp_path: Path) -> None:
    # GIVEN a file that raises on import
    path = _write(tmp_path, "raise RuntimeError('broken at import')\n")

    # WHEN it is resolved
    with pytest.raises(TargetError) as caught:
        resolve_target(f"{path}:run")

    # THEN the error carries the exception
    assert "failed with RuntimeError: broken at import" in str(caught.value)


def test_missing_dependency_is_import_failure(tmp_path: Path) -> None:
    # GIVEN a file that imports a module that does not exist
    path = _write(tmp_path, "import no_such_dependency_xyz\n")

    # WHEN it is resolved
    with pytest.raises(TargetError) as caught:
        resolve_target(f"{path}:run")

    # THEN the error names the missing dependency
    assert "No module named 'no_such_dependency_xyz'" in str(caught.value)
