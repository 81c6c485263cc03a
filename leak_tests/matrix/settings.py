"""Settings of one matrix run, as given on the command line."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any

from leak_tests.catalog.contexts import DEFAULT_POOL_WORKERS
from leak_tests.matrix.plan import ScenarioSpec

DEFAULT_ITERATIONS = 2000
DEFAULT_FAULT_ITERATIONS = 200
DEFAULT_WARMUP = 500
# NOTE: a WhatsApp job (httpx) still settled +177 traced blocks between its calls
# 100 and 300 in a 2,000-call run on CPython 3.11, a step the rules call
# `retained`; 500 warm-up calls cover it. CPython 3.10's one-off block after
# 500-600 loops may still land in the measured phase.
DEFAULT_FAULT_WARMUP = 100
# NOTE: on the WhatsApp error path, traced memory was still settling by 100 to 400 B
# per call over 100 calls after a 20-call warm-up (CPython 3.11). Attribution named
# re's pattern cache and names interned by setuptools' distutils import hook. Fault
# scenarios therefore warm up for 100 calls; a slow call costs the 0.2 s timeout.
DEFAULT_CHECKPOINTS = 10
DEFAULT_SCENARIO_TIMEOUT = 900.0
DEFAULT_JOB_TIMEOUT = 0.2
DEFAULT_STALL = 0.5
# A timed-out call returns at the job timeout: 0.20 to 0.22 s per call for both
# patterns against servers stalling 0.5 s (CPython 3.11, e-mail and WhatsApp sites).
DEFAULT_OK_JOB_TIMEOUT = 10.0
"""The service's own default send timeout; long enough that a busy machine never
turns an ``ok`` call into a timeout."""
DEFAULT_BURST_SIZE = 500


DEFAULT_MEMORY_LIMIT = 8 * 1024**3
"""Address space per scenario child. A scenario child with its few threads maps
well under 1 GiB, so only a runaway scenario reaches the cap, where it fails with
``MemoryError``. NOTE: ``--jobs`` children together may map up to jobs x 8 GiB, which
fits in 24 GiB at two jobs; lower it with ``--memory-limit`` on smaller machines."""


@dataclass(frozen=True)
class MatrixSettings:
    """Figures that apply to every scenario of a run."""

    iterations: int = DEFAULT_ITERATIONS
    """Measured calls per ``ok`` scenario."""
    fault_iterations: int = DEFAULT_FAULT_ITERATIONS
    """Measured calls per ``slow``, ``failing`` or ``dropped`` scenario."""
    warmup: int = DEFAULT_WARMUP
    """Calls before measuring an ``ok`` scenario."""
    fault_warmup: int = DEFAULT_FAULT_WARMUP
    """Calls before measuring a fault scenario, where each call can take the
    whole stall."""
    checkpoints: int = DEFAULT_CHECKPOINTS
    jobs: int = os.cpu_count() or 1
    """Scenarios measured at once, each with its own pair of servers."""
    scenario_timeout: float = DEFAULT_SCENARIO_TIMEOUT
    """Seconds one child measurement may take before it becomes ``timeout``."""
    job_timeout: float = DEFAULT_JOB_TIMEOUT
    """Seconds each job may take in the ``slow`` condition, where the servers
    stall longer."""
    ok_job_timeout: float = DEFAULT_OK_JOB_TIMEOUT
    """Seconds each job may take in the other conditions."""
    stall: float = DEFAULT_STALL
    """Seconds the ``slow`` servers stall before they reply."""
    pool_workers: int = DEFAULT_POOL_WORKERS
    burst: bool = True
    burst_size: int = DEFAULT_BURST_SIZE
    fixed_dispatch: str | None = None
    """``module:function`` that replaces ``run_async_in_thread`` (tests only)."""
    memory_limit: int = DEFAULT_MEMORY_LIMIT
    """Bytes of address space each scenario's child may map (``RLIMIT_AS``), so a
    runaway scenario fails with ``MemoryError`` before the machine swaps."""
    shard: str | None = None
    """``I/N`` when this run measures one shard of the scenarios."""

    def iterations_for(self, spec: ScenarioSpec) -> int:
        """Return the measured calls for ``spec``'s condition."""
        return self.fault_iterations if spec.is_fault else self.iterations

    def warmup_for(self, spec: ScenarioSpec) -> int:
        """Return the warm-up calls for ``spec``'s condition."""
        return self.fault_warmup if spec.is_fault else self.warmup

    def job_timeout_for(self, spec: ScenarioSpec) -> float:
        """Return the job timeout for ``spec``'s condition."""
        return self.job_timeout if spec.condition == "slow" else self.ok_job_timeout

    def describe(self) -> str:
        """Return one line stating the calls measured per condition."""
        return (
            f"ok scenarios: {self.iterations} measured calls after {self.warmup} "
            f"warm-up calls; fault scenarios: {self.fault_iterations} after "
            f"{self.fault_warmup}; slow servers stall {self.stall} s past a "
            f"{self.job_timeout} s job timeout"
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
