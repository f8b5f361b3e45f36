"""/api/v1 routes for personal access tokens (and the password exchange that makes one)."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from app.auth import service as auth_service
from app.tokens import service
from app.tokens.models import ApiToken
from app.tokens.schemas import TokenCreate, TokenCreated, TokenRead, TokenRequest
from app.web.deps import CurrentUser, RowId, SessionDep, SettingsDep
from app.web.middleware import client_ip
from app.web.resources import problems
from app.web.routing import api_router

router = api_router(tags=["tokens"])


def _created(secret: str, token: ApiToken) -> JSONResponse:
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
    """Exchange a username and password for a personal access token (shown once).

    Sign-in attempts are throttled per username and address and per address (429 with
    Retry-After); see docs/security.md."""
    # The lifetime is checked before the password so a refused request costs no hashing.
    request_data = TokenCreate(
        name=data.name, scopes=data.scopes, expires_in_days=data.expires_in_days
    )
    service.check_lifetime(request_data, settings.max_token_days)
    user = auth_service.authenticate(db, settings, data.username, data.password, client_ip(request))
    secret, token = service.create_token(db, user, request_data, max_days=settings.max_token_days)
    return _created(secret, token)


@router.get("/tokens", response_model=list[TokenRead])
def list_tokens(user: CurrentUser, db: SessionDep) -> list[TokenRead]:
    """The caller's active tokens (never their secrets)."""
    return [TokenRead.model_validate(t) for t in service.list_tokens(db, user)]


@router.post("/tokens", status_code=201, response_model=TokenCreated)
def create_token(
    data: TokenCreate, user: CurrentUser, db: SessionDep, settings: SettingsDep
) -> JSONResponse:
    """A new token for the caller; the secret is in this response only."""
    secret, token = service.create_token(db, user, data, max_days=settings.max_token_days)
    return _created(secret, token)


@router.delete("/tokens/{token_id}", status_code=204, responses=problems(404))
def revoke_token(token_id: RowId, user: CurrentUser, db: SessionDep) -> Response:
    """Revoke one of the caller's tokens."""
    service.revoke_token(db, user, token_id)
    return Response(status_code=204)
