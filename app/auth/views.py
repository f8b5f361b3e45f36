"""Pages: first-run setup, sign-up, login, logout, account, admin user list."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from app.auth import service
from app.auth.schemas import PasswordChange, ProfileUpdate, UserCreate
from app.config import Settings
from app.errors import Forbidden, Invalid, RateLimited, Unauthorized
from app.jobsearch import service as jobsearch_service
from app.tokens import service as tokens_service
from app.tokens.schemas import NEVER, TokenCreate
from app.web.deps import (
    AdminPageUser,
    OptionalPageUser,
    PageActor,
    RowId,
    SessionDep,
    SettingsDep,
    check_same_origin,
    session_cookie_name,
)
from app.web.forms import FormDep, form_values, parse_form, see_other
from app.web.middleware import client_ip
from app.web.pages import save_form
from app.web.routing import page_router
from app.web.templating import render

router = page_router()


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so a login link cannot bounce the user elsewhere."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _sign_in(
    request: Request, settings: Settings, db: SessionDep, user: object, target: str
) -> Response:
    old_cookie = request.cookies.get(session_cookie_name(settings))
    cookie, _ = service.start_session(
        db,
        settings,
        user,  # type: ignore[arg-type]
        user_agent=request.headers.get("user-agent", ""),
        client_ip=client_ip(request),
        replace_cookie=old_cookie,
    )
    response = see_other(_safe_next(target))
    response.set_cookie(
        session_cookie_name(settings),
        cookie,
        max_age=settings.session_absolute_days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    return response


# ---- setup and sign-up ----------------------------------------------------------------


@router.get("/setup", response_class=HTMLResponse)
def setup_page(request: Request, db: SessionDep) -> Response:
    if service.count_users(db) > 0:
        return see_other("/login")
    return render(request, "auth/setup.html", {"values": {}, "errors": {}})


@router.post("/setup", response_class=HTMLResponse)
def setup_submit(
    request: Request, db: SessionDep, settings: SettingsDep, form: FormDep
) -> Response:
    check_same_origin(request, settings)
    if service.count_users(db) > 0:
        return see_other("/login")
    values = form_values(form)
    return save_form(
        db,
        lambda: service.create_first_user(db, _user_create(db, values)),
        success=lambda user: _sign_in(request, settings, db, user, "/"),
        invalid=lambda errors: _user_form(request, "auth/setup.html", values, errors),
        conflict=lambda exc: _user_form(
            request, "auth/setup.html", values, {"username": exc.detail}
        ),
    )


@router.get("/signup", response_class=HTMLResponse)
def signup_page(request: Request, settings: SettingsDep) -> Response:
    if not settings.allow_signup:
        raise Forbidden(
            detail="Sign-up is closed on this instance; ask an administrator for an account."
        )
    return render(request, "auth/signup.html", {"values": {}, "errors": {}})


@router.post("/signup", response_class=HTMLResponse)
def signup_submit(
    request: Request, db: SessionDep, settings: SettingsDep, form: FormDep
) -> Response:
    if not settings.allow_signup:
        raise Forbidden(detail="Sign-up is closed on this instance.")
    check_same_origin(request, settings)
    values = form_values(form)
    return save_form(
        db,
        lambda: service.create_user(db, _user_create(db, values)),
        success=lambda user: _sign_in(request, settings, db, user, "/"),
        invalid=lambda errors: _user_form(request, "auth/signup.html", values, errors),
        conflict=lambda exc: _user_form(
            request, "auth/signup.html", values, {"username": exc.detail}
        ),
    )


def _user_create(db: SessionDep, values: dict[str, str]) -> UserCreate:
    """The setup and sign-up forms as a UserCreate: every problem reported at once."""
    return service.parse_new_user(db, values, confirm=values.get("password_confirm", ""))


def _user_form(
    request: Request, template: str, values: dict[str, str], errors: dict[str, str]
) -> Response:
    return render(request, template, {"values": _strip_pw(values), "errors": errors})


# ---- login and logout -----------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request, db: SessionDep, user: OptionalPageUser, next: str = "/"
) -> Response:
    if service.count_users(db) == 0:
        return see_other("/setup")
    if user is not None:
        return see_other(_safe_next(next))
    return render(
        request, "auth/login.html", {"values": {}, "error": None, "next": _safe_next(next)}
    )


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request, db: SessionDep, settings: SettingsDep, form: FormDep
) -> Response:
    check_same_origin(request, settings)
    values = form_values(form, drop_empty=False)
    username = values.get("username", "")[:64]
    target = _safe_next(values.get("next"))
    try:
        user = service.authenticate(
            db, settings, username, values.get("password", "")[:1024], client_ip(request)
        )
    except (Unauthorized, RateLimited) as exc:
        status = 429 if isinstance(exc, RateLimited) else 401
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
        return render(
            request,
            "auth/login.html",
            {"values": {"username": username}, "error": exc.detail, "next": target},
            status_code=status,
            headers=headers,
        )
    return _sign_in(request, settings, db, user, target)


@router.post("/logout")
def logout(actor: PageActor, request: Request, db: SessionDep, settings: SettingsDep) -> Response:
    cookie = request.cookies.get(session_cookie_name(settings))
    if cookie:
        service.end_session(db, cookie)
    response = see_other("/login")
    response.delete_cookie(
        session_cookie_name(settings),
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    return response


# ---- account --------------------------------------------------------------------------


def _account(request: Request, actor: PageActor, db: SessionDep, **extra: object) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    ctx = {
        "sessions": service.list_sessions(db, actor.user),
        "tokens": tokens_service.list_tokens(db, actor.user),
        "max_token_days": settings.max_token_days,
        "token_values": {"expires_in_days": min(90, settings.max_token_days or 90)},
        "current_session_id": actor.web_session.id if actor.web_session else None,
        "profile_errors": {},
        "password_errors": {},
        "token_errors": {},
        "new_token": None,
        "message": None,
        "profile_values": None,
        "job_search": jobsearch_service.current_status(db, actor.user),
    }
    ctx.update(service.take_flash(db, actor.web_session))
    ctx.update(extra)
    status = (
        422
        if any(extra.get(k) for k in ("profile_errors", "password_errors", "token_errors"))
        else 200
    )
    return render(request, "auth/account.html", ctx, status_code=status)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, actor: PageActor, db: SessionDep) -> Response:
    return _account(request, actor, db)


def _back_to_account(db: SessionDep, actor: PageActor, anchor: str, **notes: str) -> Response:
    """POST-redirect-GET: the notes (a new token too) ride in the session, not the URL."""
    if actor.web_session is not None:
        service.leave_flash(db, actor.web_session, notes)
    return see_other(f"/account#{anchor}")


@router.post("/account/profile", response_class=HTMLResponse)
def account_profile(request: Request, actor: PageActor, db: SessionDep, form: FormDep) -> Response:
    values = form_values(form, drop_empty=False)
    fields = {
        k: v
        for k, v in values.items()
        # The job-search status has its own page (/job-search), the one form that sets it.
        if k in ("display_name", "email", "timezone")
    }
    if fields.get("email") == "":
        fields["email"] = None
    return save_form(
        db,
        lambda: service.update_profile(db, actor.user, parse_form(ProfileUpdate, fields)),
        success=lambda _: _back_to_account(db, actor, "profile", message="Profile saved."),
        invalid=lambda errors: _account(
            request, actor, db, profile_errors=errors, profile_values=fields
        ),
    )


@router.post("/account/password", response_class=HTMLResponse)
def account_password(request: Request, actor: PageActor, db: SessionDep, form: FormDep) -> Response:
    values = form_values(form, drop_empty=False)
    # A checkbox: absent when unticked. The page ticks it by default.
    revoke_tokens = values.get("revoke_tokens") == "on"

    def change() -> service.Revoked:
        if values.get("new_password") != values.get("new_password_confirm"):
            raise Invalid.one("new_password_confirm", "The two new passwords do not match.")
        fields = {k: values.get(k, "") for k in ("current_password", "new_password")}
        data = parse_form(PasswordChange, {**fields, "revoke_tokens": revoke_tokens})
        keep = actor.web_session.id if actor.web_session else None
        return service.change_password(db, actor.user, data, keep_session_id=keep)

    return save_form(
        db,
        change,
        success=lambda revoked: _back_to_account(
            db, actor, "password", message=_revoked_message(revoked, revoke_tokens)
        ),
        invalid=lambda errors: _account(request, actor, db, password_errors=errors),
    )


def _revoked_message(revoked: service.Revoked, tokens_asked: bool) -> str:
    parts = ["Password changed.", f"Your other sessions were signed out ({revoked.sessions})."]
    names = ", ".join(revoked.token_names)
    if revoked.token_names:
        count = len(revoked.token_names)
        parts.append(f"{count} API token{'s were' if count > 1 else ' was'} revoked: {names}.")
    elif tokens_asked:
        parts.append("You had no API tokens to revoke.")
    else:
        parts.append("Your API tokens were kept.")
    return " ".join(parts)


@router.post("/account/tokens", response_class=HTMLResponse)
def account_create_token(
    request: Request, actor: PageActor, db: SessionDep, form: FormDep
) -> Response:
    scopes = [s for s in form.getlist("scopes") if isinstance(s, str)] or ["read"]
    values = form_values(form)
    # "Never" is its own checkbox; an empty or damaged number goes to the schema, which
    # names the field, instead of meaning "never".
    days = NEVER if values.get("never_expires") == "on" else values.get("expires_in_days", "")
    payload = {"name": values.get("name", ""), "scopes": scopes, "expires_in_days": days}
    kept = {k: values.get(k, "") for k in ("name", "expires_in_days", "never_expires")}
    return save_form(
        db,
        lambda: tokens_service.create_token(
            db,
            actor.user,
            parse_form(TokenCreate, payload),
            max_days=request.app.state.settings.max_token_days,
        ),
        success=lambda made: _back_to_account(db, actor, "tokens", new_token=made[0]),
        invalid=lambda errors: _account(request, actor, db, token_errors=errors, token_values=kept),
    )


@router.post("/account/tokens/{token_id}/revoke")
def account_revoke_token(token_id: RowId, actor: PageActor, db: SessionDep) -> Response:
    tokens_service.revoke_token(db, actor.user, token_id)
    return see_other("/account#tokens")


@router.post("/account/sessions/{session_id}/revoke")
def account_revoke_session(session_id: RowId, actor: PageActor, db: SessionDep) -> Response:
    service.revoke_session(db, actor.user, session_id)
    return see_other("/account#sessions")


# ---- admin ----------------------------------------------------------------------------


def _admin_page(request: Request, db: SessionDep, **extra: object) -> HTMLResponse:
    ctx = {"users": service.list_users(db), "values": {}, "errors": {}, "message": None}
    ctx.update(extra)
    return render(
        request, "auth/admin_users.html", ctx, status_code=422 if extra.get("errors") else 200
    )


@router.get("/admin/users", response_class=HTMLResponse)
def admin_users(
    request: Request,
    admin: AdminPageUser,
    db: SessionDep,
    created: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    message = f"Created {created}." if created else None
    return _admin_page(request, db, message=message)


@router.post("/admin/users", response_class=HTMLResponse)
def admin_create_user(
    request: Request, admin: AdminPageUser, db: SessionDep, form: FormDep
) -> Response:
    values = form_values(form)
    return save_form(
        db,
        lambda: service.create_user(
            db,
            service.parse_new_user(db, values),
            is_admin=values.get("is_admin") == "on",
        ),
        success=lambda created: see_other(
            f"/admin/users?{urlencode({'created': created.username})}"
        ),
        invalid=lambda errors: _admin_page(request, db, values=_strip_pw(values), errors=errors),
        conflict=lambda exc: _admin_page(
            request, db, values=_strip_pw(values), errors={"username": exc.detail}
        ),
    )


def _strip_pw(values: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if "password" not in k}


@router.post("/admin/users/{user_id}/disable")
def admin_disable_user(user_id: RowId, admin: AdminPageUser, db: SessionDep) -> Response:
    service.set_user_active(db, admin, user_id, active=False)
    return see_other("/admin/users")


@router.post("/admin/users/{user_id}/enable")
def admin_enable_user(user_id: RowId, admin: AdminPageUser, db: SessionDep) -> Response:
    service.set_user_active(db, admin, user_id, active=True)
    return see_other("/admin/users")
