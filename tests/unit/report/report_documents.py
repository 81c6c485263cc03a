"""Synthetic run documents built from real ``Result`` objects, for report tests."""

from __future__ import annotations

from typing import Any

from leak_tests.catalog.names import PATTERN_CONTEXTS, SITE_IDS
from leak_tests.engine.result import (
    SCHEMA_VERSION,
    AllocationSite,
    Attribution,
    BackrefChain,
    CreationRecord,
    EventSample,
    FdInfo,
    ProbeKind,
    ProbeResult,
    Reading,
    Result,
    Status,
    ThreadInfo,
    Verdict,
)
from leak_tests.report.document import collect_environment

SITES = SITE_IDS
PATTERNS = PATTERN_CONTEXTS
PROBE_UNITS = {
    "traced_bytes": ("B", ProbeKind.LEVEL),
    "rss": ("B", ProbeKind.LEVEL),
    "py_threads": ("threads", ProbeKind.LEVEL),
    "fds": ("fds", ProbeKind.LEVEL),
    "objects._UnixSelectorEventLoop": ("objects", ProbeKind.LEVEL),
    "events.task_destroyed": ("events", ProbeKind.COUNTER),
}


def make_probe(
    name: str,
    *,
    slope: float = 0.0,
    start: float = 100.0,
    gc_extra: float = 0.0,
    iterations: int = 2000,
    checkpoints: int = 10,
    verdict: Verdict = Verdict.CLEAN,
    reason: str = "",
) -> ProbeResult:
    """Build a probe whose after-collection values grow by ``slope`` per call."""
    unit, kind = PROBE_UNITS.get(name, ("", ProbeKind.LEVEL))
    step = iterations // checkpoints
    readings = [
        Reading(
            iteration=i * step,
            before_gc=start + slope * i * step + gc_extra,
            after_gc=start + slope * i * step,
        )
        for i in range(1, checkpoints + 1)
    ]
    first, last = readings[0].after_gc, readings[-1].after_gc
    return ProbeResult(
        name=name,
        unit=unit,
        kind=kind,
        readings=readings,
        baseline=start,
        first=first,
        last=last,
        delta=last - first,
        high_watermark=max(r.before_gc for r in readings),
        slope_per_iter=slope,
        slope_before_gc_per_iter=slope,
        verdict=verdict,
        reason=reason,
    )


def make_result(
    target: str = "tests.sample:job",
    *,
    verdict: Verdict = Verdict.CLEAN,
    status: Status = Status.OK,
    error: str | None = None,
) -> Result:
    """Build a result whose probes and attribution fit ``verdict``."""
    probes = {name: make_probe(name) for name in PROBE_UNITS}
    attribution = Attribution()
    if verdict is Verdict.LEAK:
        probes["fds"] = make_probe(
            "fds", slope=3.0, start=12, verdict=verdict, reason="+3.00 fds per call"
        )
        attribution = _leak_attribution()
    elif verdict is Verdict.CLEANUP_SKIPPED:
        probes["events.task_destroyed"] = make_probe(
            "events.task_destroyed",
            slope=1.0,
            start=0,
            verdict=verdict,
            reason="1.00 'Task was destroyed but it is pending!' per call",
        )
        attribution = Attribution(
            events=[EventSample("task_destroyed", 2000, ["Task was destroyed"])]
        )
    elif verdict is Verdict.RETAINED:
        probes["objects._UnixSelectorEventLoop"] = make_probe(
            "objects._UnixSelectorEventLoop",
            start=8,
            verdict=verdict,
            reason="8 loops kept, flat over 2000 calls",
        )
    return Result(
        target=target,
        iterations=2000,
        warmup=100,
        checkpoints=10,
        status=status,
        verdict=verdict,
        probes=probes if status is Status.OK else {},
        attribution=attribution,
        settings={"pause_gc": False, "tracemalloc_frames": 1},
        error=error,
        duration_s=12.5,
        calls_completed=2100 if status is Status.OK else 40,
    )


def _leak_attribution() -> Attribution:
    return Attribution(
        allocations=[
            AllocationSite("asyncio/selector_events.py", 54, 96000, 2000, 48.0)
        ],
        threads=[ThreadInfo("notify-1", 1234, True, ["jobs.py:10 in send"], [])],
        fds=[FdInfo(7, "socket", "127.0.0.1:40000 -> 127.0.0.1:2525")],
        creations=[CreationRecord("_UnixSelectorEventLoop", ["legacy.py:20"], 2000)],
        events=[EventSample("resource_warning", 2000, ["unclosed event loop"])],
        backrefs=[BackrefChain("_UnixSelectorEventLoop", ["module", "dict", "loop"])],
    )


def make_scenario(
    site: str,
    pattern: str,
    context: str,
    condition: str = "ok",
    *,
    verdict: Verdict = Verdict.CLEAN,
    python: str = "3.11.7",
    status: Status = Status.OK,
    error: str | None = None,
) -> dict[str, Any]:
    """Build one scenario entry: a ``Result.to_dict()`` with the matrix labels."""
    result = make_result(
        f"leak_tests.catalog.scenarios:{site}",
        verdict=verdict,
        status=status,
        error=error,
    )
    scenario = result.to_dict()
    scenario.update(
        id=f"{site}/{pattern}/{context}/{condition}",
        site=site,
        pattern=pattern,
        context=context,
        condition=condition,
        python=python,
        expected={"verdicts": [verdict.value], "mechanism": "synthetic"},
        matches_expectation=True,
        delivery={"expected": 2100, "received": 2100, "by_recipient": {"a@x": 2100}},
    )
    return scenario


def make_document(
    *,
    sites: tuple[str, ...] = SITES,
    conditions: tuple[str, ...] = ("ok",),
    legacy_verdict: Verdict = Verdict.LEAK,
    python: str = "3.11.7",
    iterations: int = 2000,
) -> dict[str, Any]:
    """Build a run document: fixed helper clean, legacy with ``legacy_verdict``."""
    scenarios = [
        make_scenario(
            site,
            pattern,
            context,
            condition,
            python=python,
            verdict=Verdict.CLEAN if pattern == "fixed" else legacy_verdict,
        )
        for site in sites
        for pattern, context in PATTERNS
        for condition in conditions
    ]
    control = make_result("leak_tests.controls:leak_fds", verdict=Verdict.LEAK)
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "leakcheck",
        "partial": False,
        "environment": collect_environment(duration_s=600.0),
        "settings": {"iterations": iterations, "warmup": 100, "checkpoints": 10},
        "scenarios": scenarios,
        "calibration": {
            "noise_floor": {"traced_bytes": 0.5, "fds": 0.0, "py_threads": 0.0},
            "controls": [
                {
                    "name": "leak_fds",
                    "expected_verdict": "leak",
                    "detected": True,
                    "result": control.to_dict(),
                }
            ],
        },
        "bursts": [
            {
                "site": "booking_whatsapp",
                "pattern": "fixed",
                "context": "helper",
                "size": 500,
                "peak_threads": 9,
                "peak_fds": 30,
                "peak_loops": 8,
                "drain_s": 4.2,
                "delivered": 500,
            },
        ],
        "timings": [
            {
                "site": "booking_whatsapp",
                "pattern": "fixed",
                "context": "helper",
                "mean_us": 350.0,
                "median_us": 340.0,
                "stddev_us": 20.0,
                "rounds": 500,
            },
            {
                "site": "booking_whatsapp",
                "pattern": "legacy",
                "context": "thread",
                "mean_us": 300.0,
                "median_us": 290.0,
                "stddev_us": 25.0,
                "rounds": 500,
            },
        ],
        "soak": None,
    }


HOSTILE = '<script>alert(1)</script> " \' </script>" onmouseover="alert(2)'
"""Text that breaks out of HTML, attributes or script tags unless escaped."""


def make_hostile_document() -> dict[str, Any]:
    """Build a document whose free-text fields all contain ``HOSTILE``."""
    document = make_document(sites=(f"site {HOSTILE}",), legacy_verdict=Verdict.LEAK)
    for scenario in document["scenarios"]:
        scenario["condition"] = f"ok {HOSTILE}"
        scenario["id"] = f"{scenario['id']} {HOSTILE}"
        scenario["error"] = f"RuntimeError: {HOSTILE}"
        scenario["delivery"]["by_recipient"] = {HOSTILE: 1}
        attribution = scenario["attribution"]
        for thread in attribution["threads"]:
            thread["name"] = HOSTILE
            thread["stack"] = [f"File {HOSTILE}"]
        for fd in attribution["fds"]:
            fd["detail"] = HOSTILE
        for site in attribution["allocations"]:
            site["filename"] = f"/tmp/{HOSTILE}.py"
        for event in attribution["events"]:
            event["examples"] = [HOSTILE]
        for probe in scenario["probes"].values():
            probe["reason"] = HOSTILE
    document["settings"]["note"] = HOSTILE
    document["calibration"]["controls"][0]["name"] = HOSTILE
    document["timings"][0]["site"] = HOSTILE
    return document


def validate_report_files(out_dir: Any) -> dict[str, Any]:
    """Load ``leakcheck.json`` from ``out_dir``, validate it, and return it.

    Raises ``ResultsFileError`` when the file is not a valid run document.
    """
    from leak_tests.report.document import load_document

    return load_document(out_dir / "leakcheck.json")
