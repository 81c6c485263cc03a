"""Every admin route rejects missing and wrong credentials; secrets stay out of logs."""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from site_requests import (
    ADMIN_PASSWORD,
    ADMIN_TOKEN,
    BOOKING,
    VENDOR,
    admin_client,
    drain,
)

from app.config import Settings
from app.main import create_app
from app.utils import async_thread_helper

ADMIN_ROUTES = [
    ("POST", "/admin/bookings"),
    ("GET", "/admin/bookings"),
    ("GET", "/admin/bookings/1"),
    ("POST", "/admin/bookings/1/items"),
    ("POST", "/admin/vendors"),
    ("POST", "/admin/vendors/1/invite"),
    ("POST", "/admin/brokers"),
    ("POST", "/admin/brokers/1/invite"),
    ("POST", "/admin/bookings/1/vendor"),
    ("POST", "/admin/bookings/1/approve"),
    ("POST", "/admin/bookings/1/cancel"),
    ("GET", "/admin/notifications/stats"),
]


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


BAD_CREDENTIALS = {
    "missing": None,
    "wrong_token": "Bearer not-the-token",
    "empty_token": "Bearer ",
    "wrong_password": basic("admin", "not-the-password"),
    "wrong_username": basic("someone", ADMIN_PASSWORD),
    "malformed_basic": "Basic !!!not-base64",
    "unknown_scheme": f"Token {ADMIN_TOKEN}",
}


def test_route_list_covers_every_admin_route(settings: Settings) -> None:
    # GIVEN the application's OpenAPI paths
    paths = create_app(settings).openapi()["paths"]

    # WHEN the admin ones are listed with their methods, ids replaced by 1
    routes = {
        (method.upper(), re.sub(r"\{[^}]+\}", "1", path))
        for path, operations in paths.items()
        if path.startswith("/admin")
        for method in operations
    }

    # THEN the auth tests exercise all of them
    assert routes == set(ADMIN_ROUTES)


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
@pytest.mark.parametrize("credential", sorted(BAD_CREDENTIALS))
def test_admin_route_rejects_bad_credentials(
    method: str, path: str, credential: str, settings: Settings
) -> None:
    # GIVEN a client with a missing or wrong Authorization header
    header = BAD_CREDENTIALS[credential]
    headers = {} if header is None else {"Authorization": header}
    submitted = async_thread_helper.stats().submitted

    # WHEN it calls an admin route with a valid-looking body
    with TestClient(create_app(settings)) as client:
        response = client.request(method, path, headers=headers, json=BOOKING)

    # THEN it gets 401 with a challenge, no data, and nothing is dispatched
    assert response.status_code == 401
    assert "Bearer" in response.headers["WWW-Authenticate"]
    assert response.json() == {"detail": "Not authenticated"}
    assert async_thread_helper.stats().submitted == submitted


def test_basic_credentials_accepted(settings: Settings) -> None:
    # GIVEN the admin's user name and password
    headers = {"Authorization": basic("admin", ADMIN_PASSWORD)}

    # WHEN they are sent with HTTP Basic
    with TestClient(create_app(settings)) as client:
        response = client.get("/admin/bookings", headers=headers)

    # THEN the request is served
    assert response.status_code == 200


def test_empty_token_setting_disables_bearer(
    make_settings: Callable[..., Settings],
) -> None:
    # GIVEN no admin token configured
    settings = make_settings(admin_token="")

    # WHEN a request sends an empty bearer token
    with TestClient(create_app(settings)) as client:
        response = client.get("/admin/bookings", headers={"Authorization": "Bearer "})

    # THEN it is rejected
    assert response.status_code == 401


def test_health_needs_no_credentials(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        response = client.get("/health")
    assert response.status_code == 200


def test_secrets_absent_from_logs_and_bodies(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN every secret set, and a WhatsApp token the peer rejects
    caplog.set_level(logging.DEBUG)
    smtp_password = "smtp-password-for-tests-77b3"
    whatsapp_token = "whatsapp-token-for-tests-0c4d"
    settings = make_settings(
        smtp_user="mailer",
        smtp_password=smtp_password,
        whatsapp_access_token=whatsapp_token,
    )
    secrets = [ADMIN_TOKEN, ADMIN_PASSWORD, smtp_password, whatsapp_token]

    # WHEN requests succeed, fail validation and fail authentication, and the
    # notifications fail (SMTP login refused, WhatsApp token rejected)
    with admin_client(settings) as client:
        bodies = [
            client.post("/admin/bookings", json=BOOKING).text,
            client.post("/admin/vendors", json=VENDOR).text,
            client.post("/admin/vendors", json={"name": ""}).text,
            client.get("/admin/bookings", headers={"Authorization": "Bearer x"}).text,
        ]
        drain()

    # THEN no secret appears in any log record, response body or settings repr
    for secret in secrets:
        assert secret not in caplog.text
        assert all(secret not in body for body in bodies)
        assert secret not in repr(settings)
    assert async_thread_helper.stats().failed >= 2
