"""Settings read from the environment (prefix RAPPORT_)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    login_max_failures: int = Field(default=10, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    max_bank_questions: int = Field(default=500, ge=1)
    # Threads that run blocking handlers. Few on purpose: with anyio's default of 40,
    # requests contend for the GIL around every SQLite call and throughput halves.
    worker_threads: int = Field(default=4, ge=1, le=64)
    # Requests served at once; the rest wait without a connection (app.web.middleware).
    # Below the database pool (32 + 16 overflow) on purpose.
    max_in_flight: int = Field(default=16, ge=1, le=32)

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


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
