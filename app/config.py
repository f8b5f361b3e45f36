"""Settings read from the environment (prefix RAPPORT_)."""

from __future__ import annotations

import ipaddress
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Names a development instance also answers to (the Host check, app.web.middleware).
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# Comma-separated in the environment ("a, b"), not JSON.
CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    """Every knob the application reads; see the README table."""

    model_config = SettingsConfigDict(env_prefix="RAPPORT_", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("data")
    database_url: str | None = None
    secret_key: str | None = None
    allow_signup: bool = False
    base_url: str = "http://127.0.0.1:8000"
    session_idle_minutes: int = Field(default=60 * 24 * 7, ge=5)
    session_absolute_days: int = Field(default=30, ge=1)
    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"
    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    # Uploads (the LinkedIn import allows 5 MB of CSV plus the multipart framing).
    max_upload_bytes: int = Field(default=6 * 1024 * 1024, ge=1024)
    default_phone_region: str = "US"
    # Login throttling (docs/security.md): failures allowed per (username, address) and per
    # address within the window before each further attempt must wait, the wait doubling
    # from one second up to the maximum. Nothing ever locks an account.
    login_free_failures: int = Field(default=10, ge=1, le=1000)
    login_address_free_failures: int = Field(default=50, ge=1, le=100_000)
    login_window_minutes: int = Field(default=15, ge=1, le=24 * 60)
    login_max_delay_seconds: int = Field(default=300, ge=1, le=24 * 3600)
    # Addresses (or networks) of reverse proxies whose X-Forwarded-For / -Proto are believed.
    trusted_proxies: CommaList = Field(default_factory=list)
    # Host names served besides the host of base_url (the Host check refuses the rest).
    allowed_hosts: CommaList = Field(default_factory=list)
    # The longest lifetime an API token may have; unset allows "never".
    max_token_days: int | None = Field(default=None, ge=1, le=3650)
    # Bounded: the import parsers refuse larger files before reading them
    # (app.questions.io.formats.MAX_QUESTIONS).
    max_bank_questions: int = Field(default=500, ge=1, le=5000)
    # Threads that run blocking handlers. Few on purpose: with anyio's default of 40,
    # requests contend for the GIL around every SQLite call and throughput halves.
    worker_threads: int = Field(default=4, ge=1, le=64)
    # Requests served at once; the rest wait without a connection (app.web.middleware).
    # Below the database pool (32 + 16 overflow) on purpose.
    max_in_flight: int = Field(default=16, ge=1, le=32)
    # Bounded waits on the database (app.db.make_engine): past them a request is a 503 with
    # Retry-After rather than a hang. SQLite writers wait this long for the write lock.
    db_busy_seconds: float = Field(default=10.0, ge=0.1, le=120)
    # PostgreSQL: seconds to open a connection, and to wait for a free pooled one.
    db_connect_timeout: int = Field(default=5, ge=1, le=120)
    db_pool_timeout: float = Field(default=10.0, ge=0.1, le=300)
    # The whole request body must arrive within this (a stalled upload is a 408).
    body_timeout_seconds: float = Field(default=60.0, ge=1, le=3600)
    # `rapport serve` worker processes; unset: one per CPU.
    workers: int | None = Field(default=None, ge=1, le=256)

    @field_validator("trusted_proxies", "allowed_hosts", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_addresses(cls, value: list[str]) -> list[str]:
        for item in value:
            if item == "*":
                continue
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"RAPPORT_TRUSTED_PROXIES: {item!r} is not an IP address or network "
                    "(e.g. 10.0.0.5 or 10.0.0.0/24)"
                ) from None
        return value

    @field_validator("allowed_hosts")
    @classmethod
    def _host_names(cls, value: list[str]) -> list[str]:
        return [bare_host(item) for item in value]

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.env == "production":
            problems = self.production_problems()
            if problems:
                raise ValueError("unsafe production settings: " + "; ".join(problems))
        return self

    def production_problems(self) -> list[str]:
        """What would make this configuration unsafe to run in production."""
        problems = []
        if not self.secret_key or len(self.secret_key) < 32:
            problems.append("RAPPORT_SECRET_KEY must be set to at least 32 characters")
        if not self.database_url:
            problems.append("RAPPORT_DATABASE_URL must be set explicitly")
        return problems

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or a SQLite file under the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'rapport.db').resolve()}"

    @property
    def served_hosts(self) -> frozenset[str]:
        """Host names the Host header may carry: base_url's, the extra ones, and in
        development the loopback names."""
        hosts = {bare_host(urlsplit(self.base_url).netloc), *self.allowed_hosts}
        if self.env == "development":
            hosts |= LOOPBACK_HOSTS
        return frozenset(hosts)

    @property
    def secure_cookies(self) -> bool:
        """Cookies get Secure and the __Host- prefix when served over https."""
        return self.base_url.startswith("https://")

    def effective_secret_key(self) -> str:
        """The configured secret, or one generated once into the data directory."""
        if self.secret_key:
            return self.secret_key
        key_file = self.data_dir / "secret_key"
        if key_file.exists():
            return key_file.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key


def bare_host(host: str) -> str:
    """A Host header value or URL netloc without port, brackets, trailing dot or case."""
    host = host.rpartition("@")[2].strip().lower()
    if host.startswith("["):
        host = host[1 : host.find("]")] if "]" in host else host[1:]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    return host.rstrip(".")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
