"""Account and session schemas (tokens: app.tokens.schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import EmailStr, Field

from app.jobsearch.schemas import JobSearchStatus, JobSearchStatusOrFormer
from app.schemas import InputModel, ReadModel, Timezone, TrackedRead

Username = Annotated[
    str, Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
]
Password = Annotated[str, Field(min_length=1, max_length=1024)]


class UserCreate(InputModel):
    """A new account (setup, sign-up, admin, CLI)."""

    username: Username
    password: Password
    display_name: str = Field(default="", max_length=120)
    email: EmailStr | None = None
    timezone: Timezone = "UTC"


class ProfileUpdate(InputModel):
    """What a user may change about themselves (the job-search status is recorded by
    app.jobsearch, as a change in its history)."""

    display_name: str | None = Field(default=None, max_length=120)
    email: EmailStr | None = None
    timezone: Timezone | None = None
    job_search_status: JobSearchStatusOrFormer | None = None
    job_search_note: str | None = Field(default=None, max_length=2000)


class PasswordChange(InputModel):
    """Change one's password, proving the current one."""

    current_password: Password
    new_password: Password
    # On by default: whoever learnt the old password may have made tokens with it.
    revoke_tokens: bool = True


class UserRead(TrackedRead):
    """A user as the API shows it (the job-search status and note: app.jobsearch's current)."""

    username: str
    display_name: str
    email: str | None
    timezone: str
    is_admin: bool
    is_active: bool
    job_search_status: JobSearchStatus
    job_search_note: str
    last_login_at: datetime | None


class SessionRead(ReadModel):
    """A browser session of the user."""

    id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str
    ip_address: str
