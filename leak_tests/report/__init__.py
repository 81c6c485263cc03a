"""Reports of a leak check run: ``leakcheck.json``, ``leakcheck.html``, comparisons.

``write_reports`` is the one entry point the commands use; the modules below it
each build one part (see ``docs/architecture.md``, "Run document"). Names are
imported on first use, so that a module needing only ``atomic`` or ``terminal``
does not load matplotlib.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from leak_tests.lazy import lazy_getattr

if TYPE_CHECKING:
    from leak_tests.report.baseline import Comparison
    from leak_tests.report.document import load_document, validate_document
    from leak_tests.report.merge import merge_documents
    from leak_tests.report.timings import load_benchmark_timings
    from leak_tests.report.writer import write_reports

_MODULE_OF = {
    "Comparison": "baseline",
    "load_benchmark_timings": "timings",
    "load_document": "document",
    "merge_documents": "merge",
    "validate_document": "document",
    "write_reports": "writer",
}

__all__ = [
    "Comparison",
    "load_benchmark_timings",
    "load_document",
    "merge_documents",
    "validate_document",
    "write_reports",
]


__getattr__ = lazy_getattr(__name__, _MODULE_OF)
