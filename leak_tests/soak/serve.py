"""Run the service under uvicorn for a soak, optionally with the old pattern swapped in.

``python -m leak_tests.soak.serve --port P --pattern fixed|legacy --stats-file F``

The service reads its settings (database, SMTP and WhatsApp peers, admin token)
from the environment as usual. Before uvicorn starts, this module replaces the
endpoints' ``app.api.admin_bookings.run_async_in_thread`` with a counting
wrapper around either the app's own helper (``fixed``) or the catalog's rebuilt
old pattern (``legacy``). The service's own modules stay on the fixed helper.
The wrapper counts dispatched, succeeded and failed jobs per site. Its figures
are served at ``GET /_soak/dispatches`` (no credentials, loopback only) and
written as JSON to ``--stats-file`` when the server exits.

On SIGTERM uvicorn stops accepting requests, finishes those in progress and
runs the app's shutdown. This module then waits up to ``--drain-timeout``
seconds for every dispatched job and exits 0 when none was lost, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import logging
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

logger = logging.getLogger(__name__)

PATTERNS = ("fixed", "legacy")
DISPATCH_ATTRIBUTE = "run_async_in_thread"
STATS_PATH = "/_soak/dispatches"

Dispatch = Callable[..., Any]


class DispatchCounter:
    """A ``run_async_in_thread`` stand-in that counts each job's outcome.

    The job coroutine function is wrapped so that success or failure is counted
    inside the job's own event loop, before the runner gets the outcome. The old
    pattern logs and swallows a failure, so its handle does not report one.
    """

    def __init__(self, dispatch: Dispatch, *, pattern: str) -> None:
        self.dispatch = dispatch
        self.pattern = pattern
        self._lock = threading.Lock()
        self._all_done = threading.Condition(self._lock)
        self.counts: Counter[str] = Counter()
        """``dispatched``, ``succeeded``, ``failed``, ``timed_out`` over all sites."""
        self.by_site: dict[str, Counter[str]] = {}

    def __call__(
        self,
        async_fn: Callable[..., Awaitable[Any]],
        /,
        *args: Any,
        _name: str | None = None,
        _context: Any = None,
        _timeout: float | None = None,
        **kwargs: Any,
    ) -> Any:
        site = _site_of(async_fn)
        self._record(site, "dispatched")
        return self.dispatch(
            self._counted(async_fn, site),
            *args,
            _name=_name or getattr(async_fn, "__name__", None),
            _context=_context,
            _timeout=_timeout,
            **kwargs,
        )

    def _counted(
        self, async_fn: Callable[..., Awaitable[Any]], site: str
    ) -> Callable[..., Awaitable[Any]]:
        @functools.wraps(async_fn)
        async def counted(*args: Any, **kwargs: Any) -> Any:
            outcome = "failed"
            try:
                value = await async_fn(*args, **kwargs)
                outcome = "succeeded"
                return value
            except (asyncio.TimeoutError, asyncio.CancelledError):
                # Both runners cancel a job only through ``asyncio.wait_for`` at
                # its timeout, so a cancelled job is one that timed out.
                outcome = "timed_out"
                raise
            finally:
                self._record(site, outcome)

        return counted

    def _record(self, site: str, outcome: str) -> None:
        with self._lock:
            self.counts[outcome] += 1
            self.by_site.setdefault(site, Counter())[outcome] += 1
            self._all_done.notify_all()

    def pending(self) -> int:
        """Return jobs dispatched but not finished (queued or running)."""
        with self._lock:
            return self._pending()

    def _pending(self) -> int:
        finished = sum(self.counts[k] for k in ("succeeded", "failed", "timed_out"))
        return self.counts["dispatched"] - finished

    def wait_finished(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for every dispatched job to finish."""
        deadline = time.monotonic() + timeout
        with self._all_done:
            while self._pending() > 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._all_done.wait(remaining)
            return True

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "pattern": self.pattern,
                "dispatched": self.counts["dispatched"],
                "succeeded": self.counts["succeeded"],
                "failed": self.counts["failed"],
                "timed_out": self.counts["timed_out"],
                "pending": self._pending(),
                "by_site": {s: dict(c) for s, c in sorted(self.by_site.items())},
            }


def _site_of(async_fn: Callable[..., Any]) -> str:
    name = str(getattr(async_fn, "__name__", type(async_fn).__name__))
    return name.removesuffix("_job")


LEGACY_DISPATCH = "leak_tests.catalog.patterns:run_legacy_site_in_thread"
"""The catalog's old pattern with the signature of ``run_async_in_thread``."""


def select_dispatch(pattern: str, legacy: str = LEGACY_DISPATCH) -> Dispatch:
    """Return the dispatch function for ``pattern``: the app's helper or the old one.

    ``legacy`` is the ``module:function`` of the old pattern's dispatch; raises
    ``TargetError`` when it cannot be imported.
    """
    if pattern == "fixed":
        from app.utils.async_thread_helper import run_async_in_thread

        return run_async_in_thread
    if pattern == "legacy":
        from leak_tests.catalog.scenarios import load_dispatch

        return load_dispatch(legacy)
    raise ValueError(f"unknown pattern {pattern!r}; expected one of {PATTERNS}")


def install(pattern: str, legacy: str = LEGACY_DISPATCH) -> DispatchCounter:
    """Swap the endpoints' dispatch function for a counter around ``pattern``'s."""
    import app.api.admin_bookings as endpoints

    counter = DispatchCounter(select_dispatch(pattern, legacy), pattern=pattern)
    setattr(endpoints, DISPATCH_ATTRIBUTE, counter)
    return counter


def build_app(counter: DispatchCounter) -> Any:
    """Import the service's app and add the read-only dispatch counters route."""
    from app.main import app

    async def dispatches() -> dict[str, Any]:
        return counter.snapshot()

    app.add_api_route(STATS_PATH, dispatches, methods=["GET"], include_in_schema=False)
    return app


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m leak_tests.soak.serve")
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument("--pattern", choices=PATTERNS, default="fixed")
    parser.add_argument(
        "--stats-file", type=Path, required=True, help="JSON counters written at exit"
    )
    parser.add_argument(
        "--legacy-dispatch",
        default=LEGACY_DISPATCH,
        metavar="MODULE:FUNCTION",
        help=f"the old pattern's dispatch function (default {LEGACY_DISPATCH})",
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=30.0,
        help="seconds to wait for dispatched jobs after shutdown (default 30)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    import uvicorn

    args = parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    counter = install(args.pattern, args.legacy_dispatch)
    config = uvicorn.Config(
        build_app(counter),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    # uvicorn 0.29 and later restore the previous SIGTERM handler after a
    # graceful shutdown and raise the signal again (uvicorn/server.py,
    # capture_signals). This handler keeps that second delivery from killing
    # the process before the jobs are counted.
    signal.signal(signal.SIGTERM, _note_sigterm)
    uvicorn.Server(config).run()

    finished = counter.wait_finished(args.drain_timeout)
    stats = counter.snapshot()
    args.stats_file.write_text(json.dumps(stats, sort_keys=True), encoding="utf-8")
    if not finished:
        logger.error(
            "%d notification jobs still pending %g s after shutdown; they are lost",
            stats["pending"],
            args.drain_timeout,
        )
        return 1
    return 0


def _note_sigterm(signum: int, frame: FrameType | None) -> None:
    logger.info("SIGTERM received after shutdown; waiting for dispatched jobs")


if __name__ == "__main__":
    sys.exit(main())
