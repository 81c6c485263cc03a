"""The FastAPI application: ``create_app(settings)`` and the module-level ``app``.

Importing this module connects to nothing: tables are created, and the
notification runner configured, when the application starts up.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from app.api.admin_bookings import router as admin_router
from app.config import Settings
from app.db import Base, make_engine, make_session_factory
from app.utils import async_thread_helper

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application; ``settings`` default to the environment's."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        Base.metadata.create_all(engine)
        app.state.session_factory = make_session_factory(engine)
        async_thread_helper.configure(
            max_concurrency=settings.notification_concurrency,
            default_timeout=settings.job_timeout,
        )
        try:
            yield
        finally:
            await run_in_threadpool(_drain_notifications, settings)
            engine.dispose()

    app = FastAPI(title="Bookings admin", lifespan=lifespan)
    app.state.settings = settings
    app.include_router(admin_router)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _drain_notifications(settings: Settings) -> None:
    timeout = settings.shutdown_drain_timeout
    if async_thread_helper.drain(timeout):
        logger.info("all notification jobs finished before shutdown")
        return
    left = async_thread_helper.stats()
    logger.error(
        "shutdown: %d notification jobs still running and %d queued after %s s; "
        "they will not be delivered",
        left.running,
        left.queued,
        timeout,
    )


app = create_app()
