"""Resolve ``package.module:function`` and ``path/to/file.py:function`` targets."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
from collections.abc import Callable, Collection
from types import ModuleType
from typing import Any, cast

from leak_tests.errors import TargetError

_FORMAT_HELP = "use 'package.module:function' or 'path/to/file.py:function'"


def resolve_target(spec: str, *, supplied: Collection[str] = ()) -> Callable[..., Any]:
    """Return the callable that ``spec`` names.

    The part after the colon may be a dotted attribute path (``module:Class.make``).
    ``supplied`` names the keyword arguments the caller will pass; any other
    parameter without a default is an error. Raises ``TargetError`` naming the
    value and the fix when the format is wrong, the module or file is missing or
    fails to import, the attribute is missing, or the object cannot be called
    with only the supplied arguments.
    """
    module_part, attribute_path = _split(spec)
    if module_part.endswith(".py"):
        module = _load_file(spec, module_part)
    else:
        module = _import_module(spec, module_part)
    target = _walk(spec, module, attribute_path)
    _check_callable(spec, target, supplied)
    return cast(Callable[..., Any], target)


def _split(spec: str) -> tuple[str, str]:
    module_part, colon, attribute_path = spec.rpartition(":")
    if not colon or not module_part or not attribute_path:
        raise TargetError(f"invalid target {spec!r}: {_FORMAT_HELP}")
    if not all(part.isidentifier() for part in attribute_path.split(".")):
        raise TargetError(
            f"invalid target {spec!r}: {attribute_path!r} is not a dotted name; "
            f"{_FORMAT_HELP}"
        )
    return module_part, attribute_path


def _import_module(spec: str, name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and name.startswith(exc.name):
            raise TargetError(
                f"module {name!r} of target {spec!r} not found: check the spelling "
                "and that its package is installed or on sys.path"
            ) from exc
        raise _import_failed(spec, name, exc) from exc
    except Exception as exc:
        raise _import_failed(spec, name, exc) from exc


def _load_file(spec: str, path: str) -> ModuleType:
    if not os.path.isfile(path):
        raise TargetError(
            f"file {path!r} of target {spec!r} not found: give a path relative to "
            f"{os.getcwd()!r} or an absolute one"
        )
    name = "_leak_target_" + os.path.splitext(os.path.basename(path))[0]
    file_spec = importlib.util.spec_from_file_location(name, path)
    if file_spec is None or file_spec.loader is None:
        raise TargetError(f"file {path!r} of target {spec!r} cannot be imported")
    module = importlib.util.module_from_spec(file_spec)
    sys.modules[name] = module
    try:
        file_spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise _import_failed(spec, path, exc) from exc
    return module


def _import_failed(spec: str, name: str, exc: BaseException) -> TargetError:
    return TargetError(
        f"importing {name!r} of target {spec!r} failed with "
        f"{type(exc).__name__}: {exc}; fix the error in that module"
    )


def _walk(spec: str, module: ModuleType, attribute_path: str) -> object:
    target: object = module
    walked = module.__name__
    for part in attribute_path.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise TargetError(
                f"{walked!r} has no attribute {part!r} (target {spec!r}): check the "
                "name after the colon"
            ) from None
        walked = f"{walked}.{part}"
    return target


def _check_callable(spec: str, target: object, supplied: Collection[str]) -> None:
    if not callable(target):
        raise TargetError(
            f"target {spec!r} is not callable (its type is {type(target).__name__}): "
            "name a function that takes no arguments"
        )
    if inspect.iscoroutinefunction(target):
        raise TargetError(
            f"target {spec!r} is an async function, so each call would only create "
            "a coroutine: name a function that runs it, such as one calling "
            "asyncio.run(...)"
        )
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return  # Builtins without a signature: the call itself will tell.
    required = [
        parameter.name
        for parameter in signature.parameters.values()
        if parameter.default is inspect.Parameter.empty
        and parameter.name not in supplied
        and parameter.kind
        not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]
    if required:
        raise TargetError(
            f"target {spec!r} requires arguments ({', '.join(required)}): name a "
            "function that takes none, or wrap it in one"
        )
