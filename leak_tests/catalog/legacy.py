"""The old hand-made event-loop pattern, rebuilt for measurement only.

Before ``app.utils.async_thread_helper.run_async_in_thread`` existed, each call site
started a thread whose target built an event loop by hand::

    def target():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(asyncio.wait_for(job(...), timeout=...))
        except asyncio.TimeoutError:
            logger.warning(...)
        except Exception:
            logger.exception(...)
        finally:
            loop.close()

The functions below repeat those steps one for one, so that the harness can show
what the pattern does and the static scan can keep it out of ``app/``. Compared
with ``asyncio.run`` (``asyncio.runners`` in CPython 3.10 to 3.13), the pattern
never cancels tasks still pending when the job returns and never calls
``loop.shutdown_asyncgens()`` or ``loop.shutdown_default_executor()``. It also
leaves the closed loop set as the thread's current loop.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

logger = logging.getLogger(__name__)

JobFactory = Callable[[], Awaitable[object]]
"""A zero-argument callable that returns the job's coroutine."""


def run_legacy_job(job: JobFactory, *, timeout: float, name: str) -> None:
    """Run one job on a hand-made loop, as the old call sites did.

    The coroutine is created by ``job()`` before the loop runs, like the old code
    that wrote ``job(notice, settings)`` inside ``run_until_complete(...)``.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(asyncio.wait_for(job(), timeout=timeout))
    except asyncio.TimeoutError:
        logger.warning("%s timed out after %.3g s", name, timeout)
    except Exception:
        logger.exception("%s failed", name)
    finally:
        loop.close()


def run_legacy_sequence(
    open_sends: Callable[
        [], AbstractAsyncContextManager[Sequence[tuple[str, JobFactory]]]
    ],
    *,
    timeout: float,
    name: str,
) -> None:
    """Run several sends one after another through one hand-made loop.

    The old approval code drove the customer and vendor notifications through a
    single loop. It opened the notification service on the loop and ran one
    ``run_until_complete(wait_for(send(), timeout))`` per send, so a failing or
    slow send did not stop the next one. Then it closed the service and the loop.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        opened = open_sends()
        sends = loop.run_until_complete(opened.__aenter__())
        try:
            for send_name, send in sends:
                _run_send(loop, send, timeout=timeout, name=f"{name}/{send_name}")
        finally:
            loop.run_until_complete(opened.__aexit__(None, None, None))
    except Exception:
        logger.exception("%s failed", name)
    finally:
        loop.close()


def _run_send(
    loop: asyncio.AbstractEventLoop, send: JobFactory, *, timeout: float, name: str
) -> None:
    try:
        loop.run_until_complete(asyncio.wait_for(send(), timeout=timeout))
    except asyncio.TimeoutError:
        logger.warning("%s timed out after %.3g s", name, timeout)
    except Exception:
        logger.exception("%s failed", name)


DEFAULT_TIMEOUT = 10.0
"""Seconds the old call sites allowed each job, and the service's default
``notification_timeout``."""


class LegacyHandle:
    """The thread of one old-pattern dispatch, waitable like the helper's handle."""

    def __init__(self, thread: threading.Thread) -> None:
        self.thread = thread
        self.name = thread.name

    def wait(self, timeout: float | None = None) -> bool:
        """Join the thread; return whether it finished within ``timeout``."""
        self.thread.join(timeout)
        return not self.thread.is_alive()

    def done(self) -> bool:
        return not self.thread.is_alive()


def run_legacy_in_thread(
    async_fn: Callable[..., Awaitable[object]],
    /,
    *args: Any,
    _name: str | None = None,
    _context: Mapping[str, object] | None = None,
    _timeout: float | None = None,
    **kwargs: Any,
) -> LegacyHandle:
    """Dispatch like ``run_async_in_thread``, but through the old pattern.

    Starts a fresh thread per call, as the old call sites did, whose target runs
    ``run_legacy_job``. There is no bound on concurrent threads, no counting and
    no drain. ``leak_tests.catalog.patterns.run_legacy_site_in_thread`` builds on
    it to give each call site its own old code.
    """
    name = _name or getattr(async_fn, "__name__", "job")
    timeout = DEFAULT_TIMEOUT if _timeout is None else _timeout
    label = name if not _context else f"{name} {dict(_context)}"
    thread = threading.Thread(
        target=run_legacy_job,
        args=(functools.partial(async_fn, *args, **kwargs),),
        kwargs={"timeout": timeout, "name": label},
        name=f"legacy-{name}",
    )
    thread.start()
    return LegacyHandle(thread)
