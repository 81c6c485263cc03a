"""Static guard: find the old hand-made loop pattern and uncovered dispatch sites.

The scan parses each Python file with ``ast`` and reports two kinds of call:

- the old pattern: ``new_event_loop``, ``set_event_loop`` and
  ``run_until_complete``, written as ``asyncio.x(...)``, ``loop.x(...)`` (any
  receiver) or as a name imported from ``asyncio``;
- a dispatch: ``run_async_in_thread(job, ...)``, written as a plain or imported
  name or as an attribute, matched to a catalog site by the name of the job
  function passed as first argument.

It reads source only, so a call reached through ``getattr`` or built at run time
is not seen.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

OLD_PATTERN_CALLS = frozenset(
    {"new_event_loop", "set_event_loop", "run_until_complete"}
)
DISPATCH_CALL = "run_async_in_thread"
SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "site-packages"})


@dataclass(frozen=True)
class Finding:
    """One call the scan reports."""

    path: str
    line: int
    kind: str
    """``old_pattern``, ``dispatch``, ``forward`` (a wrapper that passes its own
    parameter on as the job) or ``syntax_error``."""
    call: str
    """The call as written, such as ``loop.run_until_complete``."""
    job: str | None = None
    """Name of the job function passed to a dispatch, when it is a plain name."""
    site_id: str | None = None
    """Catalog site that covers a dispatch; ``None`` when not covered."""

    @property
    def is_problem(self) -> bool:
        """Whether this finding fails the scan."""
        if self.kind == "forward":
            return False
        return self.kind != "dispatch" or self.site_id is None

    def describe(self) -> str:
        """Return one line: location, kind and coverage."""
        where = f"{self.path}:{self.line}"
        if self.kind == "old_pattern":
            return f"{where}: old event-loop pattern: {self.call}(...)"
        if self.kind == "forward":
            return f"{where}: {self.call}({self.job}, ...) forwards its caller's job"
        if self.kind == "syntax_error":
            return f"{where}: cannot parse: {self.call}"
        covered = f"site {self.site_id}" if self.site_id else "not covered"
        return f"{where}: dispatch {self.call}({self.job or '?'}, ...): {covered}"


def scan_source(source: str, path: str, jobs: Mapping[str, str]) -> list[Finding]:
    """Scan one module's source; ``jobs`` maps job function names to site ids."""
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        return [Finding(path, exc.lineno or 0, "syntax_error", str(exc.msg))]
    visitor = _CallVisitor(path, _imported_aliases(tree), jobs)
    visitor.visit(tree)
    return sorted(visitor.findings, key=lambda finding: finding.line)


def scan_path(root: Path, jobs: Mapping[str, str]) -> list[Finding]:
    """Scan a Python file, or every ``.py`` file under a directory."""
    findings = []
    for file in _python_files(root):
        source = file.read_text(encoding="utf-8", errors="replace")
        findings.extend(scan_source(source, str(file), jobs))
    return findings


def _python_files(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(
            name
            for name in subdirs
            if name not in SKIPPED_DIRS and not name.startswith(".")
        )
        for name in sorted(files):
            if name.endswith(".py"):
                yield Path(directory, name)


def _imported_aliases(tree: ast.Module) -> dict[str, str]:
    """Map local names bound by ``from X import name as alias`` to ``name``."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                aliases[alias.asname or alias.name] = alias.name
    return aliases


class _CallVisitor(ast.NodeVisitor):
    """Classifies calls, knowing the parameters of the enclosing functions."""

    def __init__(
        self, path: str, aliases: Mapping[str, str], jobs: Mapping[str, str]
    ) -> None:
        self.path = path
        self.aliases = aliases
        self.jobs = jobs
        self.findings: list[Finding] = []
        self._parameters: list[set[str]] = []

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        arguments = node.args
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        every += [arg for arg in (arguments.vararg, arguments.kwarg) if arg]
        self._parameters.append({arg.arg for arg in every})
        self.generic_visit(node)
        self._parameters.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:
        finding = self._classify(node)
        if finding is not None:
            self.findings.append(finding)
        self.generic_visit(node)

    def _classify(self, node: ast.Call) -> Finding | None:
        written, called = _called_name(node.func, self.aliases)
        if called in OLD_PATTERN_CALLS:
            return Finding(self.path, node.lineno, "old_pattern", written)
        if called != DISPATCH_CALL:
            return None
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Name) and self._is_parameter(first.id):
            return Finding(self.path, node.lineno, "forward", written, first.id)
        job = None if first is None else _called_name(first, self.aliases)[1]
        site_id = self.jobs.get(job or "")
        return Finding(self.path, node.lineno, "dispatch", written, job, site_id)

    def _is_parameter(self, name: str) -> bool:
        return bool(self._parameters) and name in self._parameters[-1]


def _called_name(node: ast.expr, aliases: Mapping[str, str]) -> tuple[str, str | None]:
    """Return the expression as written and the function name it resolves to."""
    if isinstance(node, ast.Name):
        return node.id, aliases.get(node.id, node.id)
    if isinstance(node, ast.Attribute):
        return ast.unparse(node), node.attr
    return ast.unparse(node), None
