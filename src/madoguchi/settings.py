"""Configuration: one typed object read from ``MADOGUCHI_*`` environment variables."""

from __future__ import annotations

import ipaddress
import re
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_DEV_SECRET = "development-only-secret-change-me"  # noqa: S105 - refused outside development below
_MAKE_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"  # noqa: S105 - a command, not a secret


class Settings(BaseSettings):
    """Every setting of a Madoguchi process; see docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="MADOGUCHI_", extra="ignore", use_attribute_docstrings=True)

    environment: Literal["development", "test", "production"] = "development"
    """`production` refuses development defaults such as the built-in secret."""

    database_url: str = "sqlite+aiosqlite:///./madoguchi.db"
    """SQLAlchemy async URL: `sqlite+aiosqlite:///path.db` or `postgresql+asyncpg://user@host/db`."""

    redis_url: str | None = None
    """When set (`redis://host:6379/0`), events fan out through Redis so several processes share chats."""

    bus_channel: str = "madoguchi:events"
    """Redis pub/sub channel of the events; give each deployment sharing one Redis server its own."""

    secret_key: str = _DEV_SECRET
    """Signs session cookies and demo identity tokens; at least 32 characters outside development."""

    identity_secret: str | None = None
    """HMAC key shared with the shop's backend for customer identity tokens; defaults to `secret_key`. In
    production, when set: at least 32 characters and not the same as `secret_key`."""

    demo: bool = True
    """Serve the demo marketplace pages (customer picker, demo identity tokens)."""

    conversation_resume_hours: int = Field(default=24, gt=0)
    """How long an open or resolved chat can be resumed by the same customer."""

    session_hours: int = Field(default=12, gt=0)
    """Lifetime of an operator's console session."""

    max_message_chars: int = Field(default=4000, gt=0)
    """Longest customer or operator message accepted, in characters."""

    photo_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    """Largest photo a customer or an operator may send in a chat, in bytes (10 MB by default)."""

    nlu_model: Path = Path("var/nlu/intent-model.pkl")
    """The intent model file built by `madoguchi nlu train` (relative paths are from the working directory)."""

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    """Threshold of the JSON logs written to standard error."""

    cookie_secure: bool = False
    """Mark cookies `Secure` (set it behind HTTPS). Always on in production: unset means on there, and an
    explicit `false` is refused."""

    rate_limit_public: str = "60/minute"
    """Requests one client address may make to each public endpoint (trust checks), e.g. `60/minute`."""

    rate_limit_anonymous_messages: str = "20/minute"
    """Chat messages a customer who is not signed in may send; more are refused until the window passes."""

    login_attempts: str = "5/15minutes"
    """Failed log-ins allowed per operator account before log-in is refused for a while."""

    widget_origins: str = ""
    """Sites allowed to embed the chat widget (`https://shop.example.com https://www.example.jp`); empty: only
    this server's own pages. Sent as the chat page's CSP `frame-ancestors`."""

    trust_refresh_seconds: float = Field(default=30.0, gt=0)
    """How often each process re-reads confirmed lookalikes and directory edits made by other processes."""

    smtp_listen: str = "127.0.0.1:2525"
    """Inbound SMTP listener `host:port`; empty disables it."""

    support_addresses: str = "support@madoguchi.localhost"
    """Comma-separated addresses the inbound SMTP listener accepts mail for."""

    smtp_relay: str | None = None
    """Outbound SMTP relay `host:port`; without it, mail to customers waits in the outbox."""

    commerce_url: str | None = None
    """Base URL of the shop backend's commerce API (docs/bot.md); unset: the demo store on this database."""

    commerce_token: str | None = None
    """Bearer token Madoguchi sends to the commerce API."""

    email_max_bytes: int = Field(default=25 * 1024 * 1024, gt=0)
    """Largest inbound mail accepted, in bytes; larger mail is refused at DATA with 552."""

    email_max_attachment_bytes: int = Field(default=15 * 1024 * 1024, gt=0)
    """Largest attachment stored on its own; a larger one stays inside the kept raw mail only."""

    email_max_attachments: int = Field(default=20, gt=0)
    """Most attachments of one mail stored on their own; the rest stay inside the kept raw mail only."""

    email_auto_replies_per_hour: int = Field(default=5, ge=0)
    """Most automatic replies one address gets per hour: stops mail loops with other auto-responders."""

    email_retry_seconds: float = Field(default=60.0, gt=0)
    """First retry of a mail the relay deferred; the wait doubles each time, up to an hour."""

    email_max_recipients: int = Field(default=100, gt=0)
    """Most recipients one SMTP transaction may name; more are refused at RCPT with 452."""

    email_max_mime_parts: int = Field(default=500, gt=0)
    """Most MIME parts of one mail that are read; the rest stay inside the kept raw mail, with a warning."""

    email_max_mime_depth: int = Field(default=10, gt=0)
    """Deepest nesting of MIME parts that is read; deeper parts stay inside the kept raw mail, with a warning."""

    email_parse_concurrency: int = Field(default=2, gt=0)
    """Mails of one process read at the same time (each in a thread); the others wait their turn."""

    email_authserv_id: str = ""
    """The authserv-id of the Authentication-Results header the site's MTA adds (RFC 8601), whose SPF, DKIM and
    DMARC results are then trusted; empty: none is, and every reply joined to a ticket by the `[#N]` in its
    subject is marked `sender_unverified`."""

    routing_tick_seconds: float = Field(default=1.0, gt=0)
    """How often each process expires offers, offers waiting conversations and checks SLA deadlines."""

    offer_timeout_seconds: float = Field(default=30.0, gt=0)
    """How long an operator has to accept an offered conversation before it goes to someone else."""

    callback_offer_wait_seconds: int = Field(default=600, ge=0)
    """Above this estimated wait, the customer in the queue is offered a callback or an answer by e-mail."""

    bot_idle_minutes: int = Field(default=30, ge=1, le=7 * 24 * 60)
    """A chat still with the bot whose customer has written nothing for this many minutes is resolved by the bot
    (1 minute to 7 days)."""

    webhooks_allow_private: bool = False
    """Accept webhook URLs that resolve to loopback, private or link-local addresses (tests, single-machine
    installs); otherwise such a URL is refused when the subscription is made and again before each delivery."""

    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    """How long one webhook delivery may take (connecting, sending, reading the answer) before it counts as failed."""

    webhook_retry_seconds: float = Field(default=10.0, gt=0)
    """The first retry of a failed webhook delivery waits this long; each further one twice as long (at most a day)."""

    webhook_max_failures: int = Field(default=15, ge=1)
    """After this many failed deliveries in a row a webhook subscription is paused and administrators are told."""

    webhook_poll_seconds: float = Field(default=1.0, gt=0)
    """How often each process looks for due webhook deliveries when no event wakes it (retries, other processes
    without Redis)."""

    public_url: str | None = None
    """The address customers reach this server at (`https://support.example.jp`), for links sent by mail (the
    rating link of a resolved ticket); unset: the address the operator's console was reached at."""

    clock_start: AwareDatetime | None = None
    """Start the process's clock at this instant (ISO 8601 with its offset, `2026-12-08T03:30:00+09:00`) and let
    it run on from there: desk hours, SLA clocks and callbacks then behave as at that time. For demonstrations,
    training and tests of several processes; refused in production."""

    trusted_proxies: str = ""
    """Addresses or networks of the reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed
    (`127.0.0.1 10.0.0.0/8`, space- or comma-separated); empty: none, every client is the peer that connected."""

    rate_limit_new_visitors: str = "10/minute"
    """Anonymous chats one client address may open as a new visitor (each creates a customer)."""

    rate_limit_anonymous_messages_per_address: str = "120/minute"
    """Chat messages all customers who are not signed in may send together from one client address."""

    max_body_bytes: int = Field(default=1024 * 1024, gt=0)
    """Largest request body (JSON, forms) in bytes, 1 MB by default; a photo upload may be the photo limit plus
    64 KiB. Larger bodies are refused with 413 before they are read."""

    @property
    def offer_timeout(self) -> timedelta:
        return timedelta(seconds=self.offer_timeout_seconds)

    @field_validator(
        "rate_limit_public",
        "rate_limit_anonymous_messages",
        "login_attempts",
        "rate_limit_new_visitors",
        "rate_limit_anonymous_messages_per_address",
    )
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a rate such as `60/minute` or `5/15minutes`") from exc
        return value

    @field_validator("widget_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        for origin in value.split():
            if not re.fullmatch(r"https?://[A-Za-z0-9.*-]+(:\d+)?", origin):
                raise ValueError(f"{origin!r} is not an origin such as https://shop.example.com")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d+)?(/[A-Za-z0-9._~/-]*)?", value):
            raise ValueError(f"{value!r} is not an address such as https://support.example.jp")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        for entry in value.replace(",", " ").split():
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError as exc:
                raise ValueError(f"{entry!r} is not an address or a network such as 10.0.0.0/8") from exc
        return value

    @property
    def proxy_networks(self) -> list[str]:
        return self.trusted_proxies.replace(",", " ").split()

    @model_validator(mode="after")
    def _refuse_insecure_defaults(self) -> Settings:
        if self.environment == "production":
            if self.secret_key == _DEV_SECRET or len(self.secret_key) < 32:
                raise ValueError(
                    "MADOGUCHI_SECRET_KEY must be set to a random value of at least 32 characters in production "
                    f"(for example: {_MAKE_SECRET})"
                )
            if self.demo:
                raise ValueError("MADOGUCHI_DEMO must be false in production: demo pages hand out identities")
            if self.clock_start is not None:
                raise ValueError("MADOGUCHI_CLOCK_START is for demonstrations and tests: unset it in production")
            if self.identity_secret is not None:
                if len(self.identity_secret) < 32:
                    raise ValueError(
                        "MADOGUCHI_IDENTITY_SECRET must be a random value of at least 32 characters in production "
                        f"(for example: {_MAKE_SECRET}), shared with the shop's backend; or unset it to use "
                        "MADOGUCHI_SECRET_KEY"
                    )
                if self.identity_secret == self.secret_key:
                    raise ValueError(
                        "MADOGUCHI_IDENTITY_SECRET must differ from MADOGUCHI_SECRET_KEY: the shop's backend holds "
                        f"it, and must not be able to sign this server's own links (make one with: {_MAKE_SECRET})"
                    )
            if "cookie_secure" in self.model_fields_set and not self.cookie_secure:
                raise ValueError(
                    "MADOGUCHI_COOKIE_SECURE=false is refused in production: serve Madoguchi over HTTPS and unset it "
                    "(cookies are always Secure in production)"
                )
            # A session cookie sent over plain HTTP can be read on the way; production browsers reach it over HTTPS.
            self.cookie_secure = True
        return self

    @property
    def identity_key(self) -> str:
        return self.identity_secret or self.secret_key

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
