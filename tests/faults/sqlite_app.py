"""An app of its own on a SQLite file at a path the test chooses (a tmpfs, a locked file)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import SQLModel

from app.auth import service as auth_service
from app.auth.schemas import UserCreate
from app.config import Settings
from app.db import open_session
from app.main import create_app
from app.registry import import_all_models
from app.tokens import service as tokens_service
from app.tokens.schemas import TokenCreate
from tests.conftest import PASSWORD


def sqlite_client(data_dir: Path, **settings: object) -> TestClient:
    """A bearer-token API client for a fresh app whose database is data_dir/rapport.db."""
    import_all_models()
    config = Settings(
        env="test",
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'rapport.db'}",
        secret_key="t" * 48,
        base_url="http://testserver",
        log_level="WARNING",
        **settings,  # type: ignore[arg-type]
    )
    app = create_app(config)
    engine = app.state.engine
    SQLModel.metadata.create_all(engine)
    with open_session(engine, write=True) as session:
        user = auth_service.create_user(session, UserCreate(username="faults", password=PASSWORD))
        secret, _ = tokens_service.create_token(
            session, user, TokenCreate(name="t", scopes=["read", "write"], expires_in_days=30)
        )
    client = TestClient(app, raise_server_exceptions=False)
    client.headers["Authorization"] = f"Bearer {secret}"
    return client
