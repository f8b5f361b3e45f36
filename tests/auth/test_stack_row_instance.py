"""The credential lookup builds its objects as make_transient_to_detached would, quicker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, SQLModel, select

from app.auth.models import User, UserSession, _row_shape, column_keys, row_instance
from app.tokens.models import ApiToken


def _state(instance: object) -> dict[str, object]:
    state = inspect(instance)
    return {
        "key": state.key,
        "detached": state.detached,
        "transient": state.transient,
        "unloaded": set(state.unloaded),
        "expired": set(state.expired_attributes),
        "committed": dict(state.committed_state),
        "modified": state.modified,
        "values": {key: getattr(instance, key) for key in column_keys(type(instance))},
    }


@pytest.mark.parametrize("model", [User, ApiToken, UserSession])
def test_row_instance_is_what_make_transient_to_detached_gives(
    model: type[SQLModel], db: Session
) -> None:
    keys = column_keys(model)
    assert _row_shape(model, keys) is not None  # the quick path serves every credential
    values = tuple(7 if key == "id" else f"v-{key}" for key in keys)
    quick = row_instance(db, model, keys, values, attach=False)
    slow = inspect(model).class_manager.new_instance()
    slow.__dict__.update(zip(keys, values, strict=True))
    make_transient_to_detached(slow)
    assert _state(quick) == _state(slow)
    assert quick not in db


def test_a_detached_credential_written_later_is_an_update(
    db: Session, make_user: Callable[..., User], make_token: Callable[..., str]
) -> None:
    user = make_user()
    make_token(user)
    token_id = db.exec(select(ApiToken.id)).one()
    db.expunge_all()
    keys = column_keys(ApiToken)
    row = db.connection().execute(select(*ApiToken.__table__.c)).one()  # type: ignore[attr-defined]
    token = row_instance(db, ApiToken, keys, tuple(row), attach=False)
    # Attached later, as the "last used" touch does: persistent, the change is one UPDATE.
    db.add(token)
    assert inspect(token).persistent and not db.dirty
    token.last_used_at = datetime(2026, 1, 2, tzinfo=UTC)
    db.commit()
    db.expunge_all()
    assert db.get(ApiToken, token_id).last_used_at == datetime(2026, 1, 2, tzinfo=UTC)  # type: ignore[union-attr]
    # Attaching a row's object where the session holds that row gives the session's object.
    held = db.get(ApiToken, token_id)
    assert row_instance(db, ApiToken, keys, tuple(row)) is held


def test_a_model_with_more_than_columns_takes_the_full_path() -> None:
    # A relationship (or a missing column) is what make_transient_to_detached must expire.
    assert _row_shape(User, column_keys(User)[:-1]) is None
