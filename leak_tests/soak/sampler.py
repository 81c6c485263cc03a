"""Sample a running process from outside with psutil at a fixed interval."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict, dataclass

import psutil

logger = logging.getLogger(__name__)

SAMPLE_FIELDS = ("rss", "uss", "threads", "fds", "connections")
"""Sampled series, in the order they appear in reports."""


@dataclass(frozen=True)
class Sample:
    """One reading of the server process."""

    t_s: float
    """Seconds since the sampler started."""
    rss: int
    """Resident set size, in bytes."""
    uss: int
    """Unique set size (memory freed if the process exited), in bytes."""
    threads: int
    """OS threads of the process."""
    fds: int
    """Open file descriptors."""
    connections: int
    """Open inet sockets (TCP and UDP, IPv4 and IPv6) of the process."""

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def read_sample(process: psutil.Process, t_s: float) -> Sample:
    """Read one sample of ``process``; raises ``psutil.Error`` once it is gone.

    A process that is exiting, or has exited but is not yet reaped (a zombie),
    still answers some reads with no fds, threads or memory. A running server
    always has all three, so such a read counts as the process being gone.
    """
    with process.oneshot():
        if process.status() == psutil.STATUS_ZOMBIE:
            raise psutil.ZombieProcess(process.pid)
        memory = process.memory_full_info()
        threads = process.num_threads()
        fds = process.num_fds()
    if not (memory.rss and threads and fds):
        raise psutil.NoSuchProcess(process.pid, msg="process is exiting")
    connections = len(process.net_connections(kind="inet"))
    return Sample(
        t_s=t_s,
        rss=memory.rss,
        uss=memory.uss,
        threads=threads,
        fds=fds,
        connections=connections,
    )


class Sampler:
    """Read a process every ``interval`` seconds on a background thread.

    The first sample is taken at once, then one per interval on a fixed
    schedule (a slow read delays the next sample but does not shift the
    later ones). Sampling stops at ``stop()`` or when the process exits.
    """

    def __init__(self, pid: int, interval: float) -> None:
        if interval <= 0:
            raise ValueError(f"sample interval must be positive, got {interval!r}")
        self.pid = pid
        self.interval = interval
        self.samples: list[Sample] = []
        self.errors = 0
        """Reads that failed while the process was still running."""
        self.process = psutil.Process(pid)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._loop, name=f"soak-sampler-{pid}", daemon=True
        )
        self.started = 0.0

    def start(self) -> Sampler:
        self.started = time.monotonic()
        self._thread.start()
        return self

    def stop(self) -> list[Sample]:
        """Stop sampling and return the samples taken, oldest first."""
        self._stop.set()
        self._thread.join()
        return self.snapshot()

    def snapshot(self) -> list[Sample]:
        """Return a copy of the samples taken so far."""
        with self._lock:
            return list(self.samples)

    def latest(self) -> Sample | None:
        with self._lock:
            return self.samples[-1] if self.samples else None

    def _loop(self) -> None:
        ticks = 0
        while not self._stop.is_set():
            t = time.monotonic() - self.started
            try:
                sample = read_sample(self.process, round(t, 6))
            except psutil.NoSuchProcess:
                logger.debug("process %d exited; sampling stops", self.pid)
                return
            except psutil.Error as exc:
                self.errors += 1
                logger.warning("reading process %d failed: %s", self.pid, exc)
            else:
                with self._lock:
                    self.samples.append(sample)
            ticks += 1
            next_at = self.started + ticks * self.interval
            self._stop.wait(max(0.0, next_at - time.monotonic()))
