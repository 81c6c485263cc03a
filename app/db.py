"""Database engine, session factory and the declarative base."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker


class Base(DeclarativeBase):
    """Declarative base of every table of the service."""


def make_engine(database_url: str) -> Engine:
    """Create an engine; SQLite connections may be used from any request thread."""
    connect_args: dict[str, object] = {}
    if database_url.startswith("sqlite"):
        connect_args["check_same_thread"] = False
    return create_engine(database_url, connect_args=connect_args)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def get_session(request: Request) -> Iterator[Session]:
    """Yield a session from the application's factory, closed after the request."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    with factory() as session:
        yield session
