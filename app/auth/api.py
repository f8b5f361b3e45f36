"""/api/v1 routes for tokens and the current user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse

from app.auth import service, tokens_service
from app.auth.schemas import (
    ProfileUpdate,
    TokenCreate,
    TokenCreated,
    TokenRead,
    TokenRequest,
    UserRead,
)
from app.concurrency import check_version
from app.schemakit import MAX_INT32
from app.web.deps import ApiActor, CurrentUser, SessionDep, SettingsDep
from app.web.middleware import client_ip
from app.web.resources import IfMatchDep, problems, resource_response

router = APIRouter(tags=["auth"])
TokenId = Annotated[int, Path(ge=1, le=MAX_INT32)]


def _created(secret: str, token: object) -> JSONResponse:
    body = TokenCreated.model_validate(
        {**TokenRead.model_validate(token).model_dump(), "token": secret}
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=201)


@router.post(
    "/auth/token",
    status_code=201,
    response_model=TokenCreated,
    responses=problems(401, 429),
    openapi_extra={"security": []},
)
def create_token_with_password(
    data: TokenRequest, request: Request, db: SessionDep, settings: SettingsDep
) -> JSONResponse:
    """Exchange a username and password for a personal access token (shown once)."""
    user = service.authenticate(db, settings, data.username, data.password, client_ip(request))
    secret, token = tokens_service.create_token(
        db,
        user,
        TokenCreate(name=data.name, scopes=data.scopes, expires_in_days=data.expires_in_days),
    )
    return _created(secret, token)


@router.get("/me", response_model=UserRead)
def read_me(user: CurrentUser) -> JSONResponse:
    """The account the credentials belong to."""
    return resource_response(UserRead.model_validate(user))


@router.patch("/me", response_model=UserRead, responses=problems(412))
def update_me(
    data: ProfileUpdate, user: CurrentUser, db: SessionDep, expected: IfMatchDep
) -> JSONResponse:
    """Change display name, email, timezone or job-search status."""
    check_version(user.version, expected)
    return resource_response(UserRead.model_validate(service.update_profile(db, user, data)))


@router.get("/tokens", response_model=list[TokenRead])
def list_tokens(user: CurrentUser, db: SessionDep) -> list[TokenRead]:
    """The caller's active tokens (never their secrets)."""
    return [TokenRead.model_validate(t) for t in tokens_service.list_tokens(db, user)]


@router.post("/tokens", status_code=201, response_model=TokenCreated)
def create_token(data: TokenCreate, actor: ApiActor, db: SessionDep) -> JSONResponse:
    """A new token for the caller; the secret is in this response only."""
    secret, token = tokens_service.create_token(db, actor.user, data)
    return _created(secret, token)


@router.delete("/tokens/{token_id}", status_code=204, responses=problems(404))
def revoke_token(token_id: TokenId, user: CurrentUser, db: SessionDep) -> Response:
    """Revoke one of the caller's tokens."""
    tokens_service.revoke_token(db, user, token_id)
    return Response(status_code=204)
