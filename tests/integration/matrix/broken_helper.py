"""A broken ``run_async_in_thread`` for tests: it leaves a task pending each call.

It runs the job on a hand-made loop in a new thread and, before the job, starts
a task that is still pending when the loop closes, so each call logs "Task was
destroyed but it is pending!".
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

PENDING_S = 3600.0


class Handle:
    def __init__(self, thread: threading.Thread) -> None:
        self._thread = thread

    def wait(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()


def leave_task_pending(
    async_fn: Callable[..., Awaitable[Any]],
    /,
    *args: Any,
    _name: str | None = None,
    _context: object = None,
    _timeout: float | None = None,
    **kwargs: Any,
) -> Handle:
    async def main() -> None:
        # Left pending on purpose: this is the bug the run must catch.
        asyncio.ensure_future(asyncio.sleep(PENDING_S))  # noqa: RUF006
        await asyncio.wait_for(async_fn(*args, **kwargs), _timeout)

    def target() -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(main())
        finally:
            loop.close()

    thread = threading.Thread(target=target, name="broken-helper")
    thread.start()
    return Handle(thread)
