"""Admin authentication: a bearer token or HTTP Basic credentials.

Both are compared in constant time. A missing or wrong credential gets 401 with
``WWW-Authenticate`` and a body that names neither the user nor the reason.
An empty ``admin_token`` or ``admin_password`` setting disables that scheme.
"""

from __future__ import annotations

import base64
import binascii
import secrets

from fastapi import HTTPException, Request, status

from app.config import Settings

CHALLENGE = 'Bearer realm="admin", Basic realm="admin"'


def _matches(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode(), expected.encode())


def _basic_credentials(encoded: str) -> tuple[str, str] | None:
    try:
        decoded = base64.b64decode(encoded, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, separator, password = decoded.partition(":")
    return (username, password) if separator else None


def is_admin(authorization: str, settings: Settings) -> bool:
    """Tell whether an ``Authorization`` header value carries admin credentials."""
    scheme, _, credentials = authorization.partition(" ")
    scheme = scheme.lower()
    credentials = credentials.strip()
    if scheme == "bearer":
        token = settings.admin_token.get_secret_value()
        return bool(token) and _matches(credentials, token)
    if scheme == "basic":
        password = settings.admin_password.get_secret_value()
        pair = _basic_credentials(credentials)
        if not password or pair is None:
            return False
        # Both comparisons always run, so timing does not tell which one failed.
        user_ok = _matches(pair[0], settings.admin_username)
        password_ok = _matches(pair[1], password)
        return user_ok and password_ok
    return False


def require_admin(request: Request) -> None:
    """FastAPI dependency: raise 401 unless the request carries admin credentials."""
    settings: Settings = request.app.state.settings
    if not is_admin(request.headers.get("authorization", ""), settings):
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Not authenticated",
            headers={"WWW-Authenticate": CHALLENGE},
        )
