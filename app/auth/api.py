"""/api/v1 routes for the current user (tokens: app.tokens.api)."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from app.auth import service
from app.auth.schemas import ProfileUpdate, UserRead
from app.concurrency import check_version
from app.web.deps import CurrentUser, SessionDep
from app.web.resources import IfMatchDep, problems, resource_response
from app.web.routing import api_router

router = api_router(tags=["auth"])


@router.get("/me", response_model=UserRead)
def read_me(user: CurrentUser, db: SessionDep) -> JSONResponse:
    """The account the credentials belong to."""
    return resource_response(service.read_user(db, user))


@router.patch("/me", response_model=UserRead, responses=problems(412))
def update_me(
    data: ProfileUpdate, user: CurrentUser, db: SessionDep, expected: IfMatchDep
) -> JSONResponse:
    """Change display name, email, timezone or job-search status (recorded as a change in
    `/me/job-search`'s history; `employed` and `paused`, former values, are accepted)."""
    check_version(user.version, expected)
    return resource_response(service.read_user(db, service.update_profile(db, user, data)))
