"""The two ways a site's job is dispatched: the app's helper and the old pattern.

Both run the identical job coroutine function with the identical notice and
settings; only the runner differs. A ``Dispatcher`` starts one call (``start``)
or runs one call and waits for it (calling it), and counts the calls it made.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from leak_tests.catalog.contexts import DEFAULT_POOL_WORKERS, Waiter, make_context
from leak_tests.catalog.legacy import (
    DEFAULT_TIMEOUT,
    LegacyHandle,
    run_legacy_in_thread,
    run_legacy_job,
    run_legacy_sequence,
)
from leak_tests.catalog.sites import SITES, Site, context_ids


class Handle(Protocol):
    """What ``run_async_in_thread`` returns: a job that can be waited for."""

    def wait(self, timeout: float | None = None) -> bool: ...


FixedDispatch = Callable[..., Handle]
"""A callable with the signature of ``run_async_in_thread``."""


class Dispatcher:
    """One scenario's runner: each call dispatches the site's job once and waits."""

    def __init__(
        self, start: Callable[[], Waiter], close: Callable[[], None], *, label: str
    ) -> None:
        self._start = start
        self._close = close
        self._lock = threading.Lock()
        self.label = label
        self.calls = 0
        """Dispatches started, warm-up included."""

    def start(self) -> Waiter:
        """Start one dispatch without waiting; return the function that waits."""
        with self._lock:
            self.calls += 1
        return self._start()

    def __call__(self) -> None:
        self.start()()

    def close(self) -> None:
        """Release the context's threads (the pool's workers)."""
        self._close()


def fixed_dispatcher(
    site: Site,
    notice: Any,
    settings: Any,
    *,
    timeout: float,
    dispatch: FixedDispatch | None = None,
) -> Dispatcher:
    """Dispatch through ``run_async_in_thread`` exactly as the endpoints do.

    ``dispatch`` replaces the app's helper, so that a test can run a broken one.
    """
    if dispatch is None:
        from app.utils.async_thread_helper import run_async_in_thread

        dispatch = run_async_in_thread
    helper = dispatch
    ids = context_ids(notice)

    def start() -> Waiter:
        handle = helper(site.job, notice, settings, _timeout=timeout, _context=ids)
        return handle.wait

    return Dispatcher(start, _nothing, label=f"{site.id}/fixed/helper")


def legacy_dispatcher(
    site: Site,
    notice: Any,
    settings: Any,
    *,
    timeout: float,
    context: str,
    pool_workers: int = DEFAULT_POOL_WORKERS,
) -> Dispatcher:
    """Dispatch through the old hand-made loop in a fresh thread or a pool worker."""
    runner = make_context(context, pool_workers=pool_workers)
    target = legacy_target(site, notice, settings, timeout=timeout)

    def start() -> Waiter:
        return runner.start(target)

    return Dispatcher(start, runner.close, label=f"{site.id}/legacy/{context}")


def legacy_target(
    site: Site, notice: Any, settings: Any, *, timeout: float
) -> Callable[[], None]:
    """Return the old thread target for ``site``.

    The approval site's old code ran its individual sends one after another
    through one loop; every other site ran its one job.
    """
    if site.sends is not None:
        opener = functools.partial(site.sends, notice, settings)
        return functools.partial(
            run_legacy_sequence, opener, timeout=timeout, name=site.id
        )
    return functools.partial(
        run_legacy_job,
        functools.partial(site.job, notice, settings),
        timeout=timeout,
        name=site.id,
    )


def run_legacy_site_in_thread(
    async_fn: Callable[..., Any],
    /,
    *args: Any,
    _name: str | None = None,
    _context: Mapping[str, object] | None = None,
    _timeout: float | None = None,
    **kwargs: Any,
) -> LegacyHandle:
    """Dispatch like ``run_async_in_thread`` through each site's old code.

    A site's job called with its notice and settings gets that site's old thread
    target (``legacy_target``): the approval site runs its sends one after another
    through one loop. Any other coroutine function runs as one job
    (``run_legacy_in_thread``). The soak swaps this in for the endpoints' dispatch.
    """
    site = _SITE_OF_JOB.get(async_fn)
    if site is None or kwargs or len(args) != 2:
        return run_legacy_in_thread(
            async_fn, *args, _name=_name, _context=_context, _timeout=_timeout,
            **kwargs,
        )  # fmt: skip
    timeout = DEFAULT_TIMEOUT if _timeout is None else _timeout
    notice, settings = args
    thread = threading.Thread(
        target=legacy_target(site, notice, settings, timeout=timeout),
        name=f"legacy-{_name or site.id}",
    )
    thread.start()
    return LegacyHandle(thread)


_SITE_OF_JOB: Mapping[Callable[..., Any], Site] = {
    site.job: site for site in SITES.values()
}


def _nothing() -> None:
    """Close nothing: the app's helper retires its threads once idle."""
