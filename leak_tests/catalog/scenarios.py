"""Scenario factory that ``measure_isolated`` calls in the measured child process.

``build_scenario(**spec)`` builds the service settings pointing at servers that
the parent process started, the site's tagged notice and the dispatcher for the
pattern and context, and returns a zero-argument callable that dispatches once
and waits. The child never starts servers, so their sockets and threads stay out
of the measured process.
"""

from __future__ import annotations

import collections
import logging
from typing import Any

from pydantic import SecretStr

from app.config import Settings
from leak_tests.catalog.contexts import DEFAULT_POOL_WORKERS
from leak_tests.catalog.names import PATTERN_CONTEXTS
from leak_tests.catalog.patterns import (
    Dispatcher,
    FixedDispatch,
    fixed_dispatcher,
    legacy_dispatcher,
)
from leak_tests.catalog.sites import SITES, Site
from leak_tests.engine.target import resolve_target
from leak_tests.errors import UsageError

PEER_HOST_NAME = "localhost"
"""Host name of the local servers; it must resolve to 127.0.0.1."""

SEND_TIMEOUT_FACTOR = 10.0
"""The service's per-send timeout is this many job timeouts, so that in the
``slow`` condition the job timeout (the runner's ``wait_for``) fires first."""


class LogRecordCounter(logging.Handler):
    """Counts log records by level without keeping them.

    Installed on the root logger of the measured child, it replaces the stderr
    fallback handler, so the per-call records of fault conditions neither flood
    the parent's pipe nor get formatted.
    """

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.counts: collections.Counter[str] = collections.Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.levelname] += 1


class SiteScenario:
    """One site under one pattern: each call dispatches once and waits."""

    def __init__(
        self, dispatcher: Dispatcher, recipients: tuple[str, ...], log: LogRecordCounter
    ) -> None:
        self.dispatcher = dispatcher
        self.recipients = recipients
        self._log = log
        logging.getLogger().addHandler(log)

    def __call__(self) -> None:
        self.dispatcher()

    def close(self) -> None:
        self.dispatcher.close()
        logging.getLogger().removeHandler(self._log)

    def extra(self) -> dict[str, Any]:
        """Return the calls made (warm-up included), recipients and log counts."""
        return {
            "calls": self.dispatcher.calls,
            "recipients": list(self.recipients),
            "log_records": dict(self._log.counts),
        }


def build_settings(
    *, smtp_port: int, whatsapp_port: int, whatsapp_token: str, job_timeout: float
) -> Settings:
    """Return service settings that send to the local servers on 127.0.0.1.

    The servers are named ``localhost``, as production names its hosts, so that
    each job resolves the name through its event loop's default executor: the
    old pattern never shuts that executor down.
    """
    return Settings(
        database_url="sqlite://",
        smtp_host=PEER_HOST_NAME,
        smtp_port=smtp_port,
        smtp_sender="bookings@example.test",
        whatsapp_api_base_url=f"http://{PEER_HOST_NAME}:{whatsapp_port}/v19.0",
        whatsapp_phone_number_id="100200300",
        whatsapp_access_token=SecretStr(whatsapp_token),
        notification_timeout=job_timeout * SEND_TIMEOUT_FACTOR,
    )


def load_dispatch(target: str) -> FixedDispatch:
    """Import ``module:function`` or ``path/file.py:function`` as a replacement
    for ``run_async_in_thread``; raises ``TargetError`` naming the target.

    Like ``run_async_in_thread``, the replacement takes the job as its first
    parameter, named ``async_fn``, and every other parameter has a default.
    """
    dispatch: FixedDispatch = resolve_target(target, supplied=("async_fn",))
    return dispatch


def build_scenario(
    *,
    site: str,
    pattern: str,
    context: str,
    tag: str,
    smtp_port: int,
    whatsapp_port: int,
    whatsapp_token: str,
    job_timeout: float,
    pool_workers: int = DEFAULT_POOL_WORKERS,
    fixed_dispatch: str | None = None,
    condition: str | None = None,
) -> SiteScenario:
    """Build one scenario's callable; ``condition`` is a label set on the servers."""
    if (pattern, context) not in PATTERN_CONTEXTS:
        raise UsageError(f"invalid pattern and context {pattern}/{context}")
    catalog_site: Site = SITES[site]
    notice = catalog_site.build_notice(tag)
    settings = build_settings(
        smtp_port=smtp_port,
        whatsapp_port=whatsapp_port,
        whatsapp_token=whatsapp_token,
        job_timeout=job_timeout,
    )
    if pattern == "fixed":
        dispatch = load_dispatch(fixed_dispatch) if fixed_dispatch else None
        dispatcher = fixed_dispatcher(
            catalog_site, notice, settings, timeout=job_timeout, dispatch=dispatch
        )
    else:
        dispatcher = legacy_dispatcher(
            catalog_site,
            notice,
            settings,
            timeout=job_timeout,
            context=context,
            pool_workers=pool_workers,
        )
    recipients = catalog_site.recipients(notice)
    return SiteScenario(dispatcher, recipients, LogRecordCounter())
