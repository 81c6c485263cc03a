"""Run one soak per pattern: a live server under traffic, sampled from outside.

For each pattern, in its own temporary folder: start the SMTP and WhatsApp
peers, start the server (``leak_tests.soak.serve``) on a fresh SQLite file,
and sample it with psutil throughout. Phases:

1. warm-up traffic, then wait until every dispatched job has finished and
   take the idle baseline;
2. measured traffic for ``duration`` seconds, then wait for the jobs again and
   take the idle final reading;
3. stop: set both peers slow, send one more round so that jobs are in flight,
   send SIGTERM and check that the server exits 0 with no job lost and every
   message of a succeeded job delivered to the peers.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO

from devservers.launch import PeerServer, start_smtp_server, start_whatsapp_server
from leak_tests.engine.probes.fds import describe_process_fds
from leak_tests.engine.result import FdInfo
from leak_tests.soak import delivery
from leak_tests.soak.sampler import Sample, Sampler, read_sample
from leak_tests.soak.series import (
    Phases,
    high_watermarks,
    judge_samples,
    summarize_verdicts,
)
from leak_tests.soak.server import ServerProcess, SoakServerError, free_port
from leak_tests.soak.traffic import TrafficDriver, TrafficResult

logger = logging.getLogger(__name__)

PATTERNS = ("fixed", "legacy")
PROGRESS_EVERY_S = 5.0
"""Seconds between progress lines on the progress stream."""


@dataclass(frozen=True)
class SoakSettings:
    """Settings of one soak; each pattern gets the same traffic."""

    duration: float = 120.0
    """Seconds of measured traffic per pattern."""
    rate: float = 20.0
    """Requests per second."""
    patterns: tuple[str, ...] = PATTERNS
    sample_interval: float = 0.5
    """Seconds between samples of the server process."""
    port: int | None = None
    """Server port on 127.0.0.1; a free port when None."""
    warmup: float = 5.0
    """Seconds of warm-up traffic before the idle baseline."""
    slow_delay: float = 0.5
    """Seconds each peer stalls per message during the stop phase."""
    notification_timeout: float = 5.0
    """The service's per-send timeout; above ``slow_delay`` so that no send fails."""
    idle_timeout: float = 60.0
    """Seconds to wait for dispatched jobs to finish before an idle reading."""
    stop_timeout: float = 60.0
    """Seconds the server may take to exit after SIGTERM."""
    startup_timeout: float = 30.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["patterns"] = list(self.patterns)
        return data


def run_soak(
    settings: SoakSettings, *, progress: TextIO | None = None
) -> dict[str, Any]:
    """Soak each pattern in turn and return the run document's ``soak`` section."""
    samples: dict[str, list[dict[str, float]]] = {}
    patterns: dict[str, Any] = {}
    for pattern in settings.patterns:
        summary, pattern_samples = soak_pattern(pattern, settings, progress=progress)
        patterns[pattern] = summary
        samples[pattern] = [sample.to_dict() for sample in pattern_samples]
    return {"settings": settings.to_dict(), "samples": samples, "patterns": patterns}


def soak_pattern(
    pattern: str, settings: SoakSettings, *, progress: TextIO | None = None
) -> tuple[dict[str, Any], list[Sample]]:
    """Soak one pattern; return its summary and the samples taken."""
    with tempfile.TemporaryDirectory(prefix=f"soak-{pattern}-") as tmp:
        workdir = Path(tmp)
        with _peers() as (smtp, whatsapp):
            server = ServerProcess(
                pattern=pattern,
                port=settings.port or free_port(),
                env=_service_env(workdir, smtp, whatsapp, settings),
                workdir=workdir,
                drain_timeout=settings.idle_timeout,
            )
            try:
                server.start(settings.startup_timeout)
                sampler = Sampler(server.pid, settings.sample_interval).start()
                summary = _drive(server, sampler, (smtp, whatsapp), settings, progress)
            finally:
                server.kill()
            samples = sampler.stop()
    summary["samples_taken"] = len(samples)
    summary["max_sample_gap_s"] = _max_gap(samples)
    summary["high_watermarks"] = high_watermarks(samples)
    return summary, samples


def _drive(
    server: ServerProcess,
    sampler: Sampler,
    peers: tuple[PeerServer, PeerServer],
    settings: SoakSettings,
    progress: TextIO | None,
) -> dict[str, Any]:
    warmup = _traffic(server, settings, settings.warmup, first_round=1)
    baseline = _idle_sample(server, sampler, settings.idle_timeout)
    baseline_fds = describe_process_fds(server.pid)
    reporter = _progress_reporter(server.pattern, sampler, settings.duration, progress)
    measured = _traffic(
        server, settings, settings.duration, warmup.last_round + 1, reporter
    )
    final = _idle_sample(server, sampler, settings.idle_timeout)
    final_fds = describe_process_fds(server.pid)
    phases = Phases(
        baseline=baseline,
        final=final,
        measured_from=baseline.t_s,
        measured_to=final.t_s,
        completions=[t - sampler.started for t in measured.completed_at],
    )
    judged = judge_samples(sampler.snapshot(), phases, target=f"soak/{server.pattern}")
    stop = delivery.stop_with_jobs_in_flight(
        server,
        peers,
        settings,
        first_round=measured.last_round + 1,
        accepted_before=warmup.accepted + measured.accepted,
    )
    return {
        "pattern": server.pattern,
        "verdict": judged.verdict.value,
        "verdicts": summarize_verdicts(judged),
        "baseline": baseline.to_dict(),
        "final": final.to_dict(),
        "fds_added": added_fds(baseline_fds, final_fds),
        "warmup": warmup.to_dict(),
        "traffic": measured.to_dict(),
        **stop,
    }


def added_fds(baseline: list[FdInfo], final: list[FdInfo]) -> list[dict[str, Any]]:
    """Return the descriptors open at ``final`` that were not open at ``baseline``.

    A descriptor number reused for something else counts as added.
    """
    before = {(fd.fd, fd.kind, fd.detail) for fd in baseline}
    return [asdict(fd) for fd in final if (fd.fd, fd.kind, fd.detail) not in before]


def _traffic(
    server: ServerProcess,
    settings: SoakSettings,
    duration: float,
    first_round: int,
    on_progress: Any = None,
) -> TrafficResult:
    driver = TrafficDriver(
        server.base_url,
        auth_headers=server.auth_headers,
        rate=settings.rate,
        duration=duration,
        first_round=first_round,
    )
    return driver.run(on_progress)


def _idle_sample(server: ServerProcess, sampler: Sampler, timeout: float) -> Sample:
    """Wait until no dispatched job is pending, then read the server once."""
    deadline = time.monotonic() + timeout
    while server.get_json(delivery.DISPATCHES_PATH)["pending"] > 0:
        if time.monotonic() >= deadline:
            raise SoakServerError(
                f"the {server.pattern} server still had notification jobs pending "
                f"after {timeout:g} s; raise the idle timeout or check its log:\n"
                f"{server.log_tail()}"
            )
        time.sleep(0.05)
    return read_sample(sampler.process, round(time.monotonic() - sampler.started, 6))


def _progress_reporter(
    pattern: str, sampler: Sampler, duration: float, stream: TextIO | None
) -> Any:
    if stream is None:
        return None
    next_at = [0.0]

    def report(result: TrafficResult, elapsed: float) -> None:
        if elapsed < next_at[0]:
            return
        next_at[0] = elapsed + PROGRESS_EVERY_S
        latest = sampler.latest()
        rss = f"{latest.rss / 2**20:.1f} MiB" if latest else "n/a"
        stream.write(
            f"soak {pattern}: {elapsed:5.0f}/{duration:g} s  "
            f"requests {result.requests}  errors {result.errors}  rss {rss}\n"
        )
        stream.flush()

    return report


@contextlib.contextmanager
def _peers() -> Iterator[tuple[PeerServer, PeerServer]]:
    with start_smtp_server() as smtp, start_whatsapp_server() as whatsapp:
        yield smtp, whatsapp


def _service_env(
    workdir: Path, smtp: PeerServer, whatsapp: PeerServer, settings: SoakSettings
) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{workdir / 'soak.db'}",
        "SMTP_HOST": smtp.host,
        "SMTP_PORT": str(smtp.port),
        "WHATSAPP_API_BASE_URL": whatsapp.url,
        "WHATSAPP_ACCESS_TOKEN": str(getattr(whatsapp, "access_token", "")),
        "NOTIFICATION_TIMEOUT": str(settings.notification_timeout),
        "SHUTDOWN_DRAIN_TIMEOUT": str(settings.stop_timeout),
    }


def _max_gap(samples: list[Sample]) -> float:
    gaps = [b.t_s - a.t_s for a, b in itertools.pairwise(samples)]
    return round(max(gaps, default=0.0), 6)
