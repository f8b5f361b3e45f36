"""Fixtures of the fuzz suites: the application served over real HTTP on the test database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from app.auth.models import User
from app.config import Settings
from app.main import create_app
from app.tokens import service as tokens_service
from app.tokens.schemas import TokenCreate
from tests.fuzz.live import serve


def api_token(db: Session, user: User, name: str) -> tuple[str, int]:
    """A read-write token for ``user``: its secret and its id."""
    secret, token = tokens_service.create_token(
        db, user, TokenCreate(name=name, scopes=["read", "write"], expires_in_days=30)
    )
    assert token.id is not None
    return secret, token.id


@pytest.fixture
def live_app(engine: Engine, settings: Settings) -> FastAPI:
    """The application as a client meets it: its own settings, answering on 127.0.0.1."""
    served = settings.model_copy(update={"allowed_hosts": ["127.0.0.1"]})
    return create_app(settings=served, engine=engine)


@pytest.fixture
def live_url(live_app: FastAPI) -> Iterator[str]:
    """The base URL of ``live_app`` served by uvicorn for the test."""
    with serve(live_app) as base_url:
        yield base_url
