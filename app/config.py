"""Service settings, read from environment variables with typed defaults."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings of the bookings admin service.

    Each field is read from the environment variable of the same name in upper
    case (``SMTP_HOST`` for ``smtp_host``). Secrets are ``SecretStr``, so their
    values never appear in a repr, a log record or an error body. An empty admin
    password or token disables that way of signing in.
    """

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    database_url: str = "sqlite:///./bookings.db"

    smtp_host: str = "localhost"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_sender: str = "bookings@localhost"
    smtp_use_tls: bool = False
    """Require STARTTLS on the SMTP connection."""

    whatsapp_api_base_url: str = "http://localhost:8081/v19.0"
    """The Cloud API base URL up to and including its version segment."""
    whatsapp_phone_number_id: str = "0"
    whatsapp_access_token: SecretStr = SecretStr("")

    admin_username: str = "admin"
    admin_password: SecretStr = SecretStr("")
    admin_token: SecretStr = SecretStr("")

    notification_timeout: float = Field(default=10.0, gt=0)
    """Seconds that one send (one e-mail or one WhatsApp message) may take."""
    notification_job_timeout: float | None = Field(default=None, gt=0)
    """Seconds that a whole notification job may take; default twice the send timeout.

    Each send has its own ``notification_timeout``, so this limit only stops a
    job whose sends did not time out themselves.
    """
    notification_concurrency: int = Field(default=16, ge=1)
    """Maximum number of notification jobs that run at once; the rest queue."""
    shutdown_drain_timeout: float = Field(default=30.0, ge=0)
    """Seconds that shutdown waits for queued and running notification jobs."""

    @property
    def job_timeout(self) -> float:
        """The timeout of a whole notification job, in seconds."""
        if self.notification_job_timeout is not None:
            return self.notification_job_timeout
        return 2 * self.notification_timeout
