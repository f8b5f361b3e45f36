"""Dependencies shared by every router: database session, settings, the acting user, CSRF."""

from __future__ import annotations

import functools
import inspect
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, ParamSpec, TypeVar
from urllib.parse import urlsplit

from fastapi import Depends, Path, Request
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase
from sqlmodel import Session
from starlette.types import Scope

from app.auth import service as auth_service
from app.auth.models import User, UserSession
from app.config import Settings
from app.db import closes_without_io, open_session
from app.errors import Forbidden, Unauthorized
from app.schemas import MAX_INT32
from app.tokens import service as tokens_service
from app.tokens.service import LiveToken
from app.web.problems import LoginRequired
from app.web.threads import in_database_thread

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
P = ParamSpec("P")
R = TypeVar("R")


async def in_thread(request: Request, work: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run blocking work on one of this worker's database threads (``DatabaseThreads``), in
    a copy of the caller's context (the request id bound for logging)."""
    return await in_database_thread(
        request.app.state.settings.worker_threads, work, *args, **kwargs
    )


async def get_settings_dep(request: Request) -> Settings:
    """The settings the application was created with."""
    return request.app.state.settings


# Where a request's session waits for HttpBaseline to close it (close_request_session).
_SESSION_SCOPE_KEY = "rapport.session"


async def get_db(request: Request) -> Session:
    """A session per request; unsafe methods begin IMMEDIATE on SQLite.

    A plain dependency, not one with ``yield``: FastAPI solves a generator dependency
    through a context manager and its exit stack, ~16 us more on every request than a
    plain one. HttpBaseline closes the session once the response is sent (as the
    generator's exit did), whatever the handler raised. The API's identity dependency
    (``ApiAuthentication``) calls it rather than depending on it, so whichever comes first
    opens the request's one session and the other is handed that one."""
    session: Session | None = request.scope.get(_SESSION_SCOPE_KEY)
    if session is not None:
        return session
    session = open_session(request.app.state.engine, write=request.method not in SAFE_METHODS)
    request.scope[_SESSION_SCOPE_KEY] = session
    return session


async def close_request_session(scope: Scope) -> None:
    """Close the session ``get_db`` opened for this request, if it opened one."""
    session: Session | None = scope.get(_SESSION_SCOPE_KEY)
    if session is None:
        return
    del scope[_SESSION_SCOPE_KEY]
    # PostgreSQL: a committed write or an autocommit read leaves nothing to roll back,
    # so the close sends nothing and needs no thread-pool turn of its own.
    if scope["app"].state.engine.dialect.name == "sqlite" or closes_without_io(session):
        session.close()
    else:
        await in_thread(Request(scope), session.close)


def runs_inline(request: Request) -> bool:
    """Whether this request's database work may run on the event loop itself.

    Only SQLite reads: they are sub-millisecond, in-process and never wait for a lock under
    WAL, so a hop to a worker thread (and the GIL contention of many threads around every
    SQLite call) costs more than the query. Writes can wait on the write lock, and a
    PostgreSQL query waits on the network: those go to the thread pool.
    """
    return request.method in SAFE_METHODS and request.app.state.engine.dialect.name == "sqlite"


async def run_db(request: Request, work: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run blocking database work inline when ``runs_inline``, else in the thread pool."""
    if runs_inline(request):
        return work(*args, **kwargs)
    return await in_thread(request, work, *args, **kwargs)


async def run_db_scan(
    request: Request, work: Callable[P, R], *args: P.args, **kwargs: P.kwargs
) -> R:
    """Run database work whose time is SQLite's own (a scan, a sort of many rows) in the
    thread pool, reads too.

    The contacts list's text search is such work: a one- or two-letter ``q`` scans every
    contact (45 ms at 100k), a common one sorts thousands of matches. Inline, that time
    stalls every other connection (p99 2 s at 32 connections); in a thread, sqlite3 lets go
    of the GIL while SQLite steps, so the event loop serves the others meanwhile: +40 %
    req/s and p99 2.2 s -> 0.2 s in the bench's ``q=`` scenario. Work that is mostly Python
    (the account-wide search ranks in Python) is faster inline, through ``run_db``.
    """
    return await in_thread(request, work, *args, **kwargs)


# The keyword under which a wrapped handler that takes no Request of its own is handed one.
_REQUEST_KEYWORD = "rapport_request"


def on_database_threads(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint``, a plain ``def`` handler, as a coroutine that runs it on the database
    threads: FastAPI would otherwise take a turn on anyio's threads for it (70-75 us of CPU
    against 7-18 there, ``app.web.threads.DatabaseThreads``). FastAPI reads the handler's signature
    (resolved, since the wrapper's module is not the handler's), name and docstring, so its
    parameters, OpenAPI and validation are the handler's own."""
    signature = inspect.signature(endpoint, eval_str=True)
    named = next((p.name for p in signature.parameters.values() if p.annotation is Request), None)
    if named is None:
        hidden = inspect.Parameter(
            _REQUEST_KEYWORD, inspect.Parameter.KEYWORD_ONLY, annotation=Request
        )
        signature = signature.replace(parameters=[*signature.parameters.values(), hidden])

    async def handler(**values: Any) -> Any:
        request: Request = values[named] if named else values.pop(_REQUEST_KEYWORD)
        # As a partial: the handler's own parameters may be named as in_thread's are.
        return await in_thread(request, functools.partial(endpoint, **values))

    # Not functools.wraps: FastAPI unwraps ``__wrapped__`` to learn what kind of callable a
    # handler is, and would find the plain function again.
    for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(handler, attribute, getattr(endpoint, attribute))
    handler.__signature__ = signature  # type: ignore[attr-defined]
    return handler


# A row's id in a route's path, for every resource: a positive 32-bit integer, so a larger
# number is a 422 naming the parameter, never a database error (PostgreSQL's integer).
RowId = Annotated[int, Path(ge=1, le=MAX_INT32)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_db)]


@dataclass
class Actor:
    """Who is acting, and through what: a token (API) or a browser session."""

    user: User
    token: LiveToken | None = None
    web_session: UserSession | None = None

    @property
    def can_write(self) -> bool:
        """Browser sessions can write; tokens need the write scope."""
        return self.token is None or "write" in self.token.scope_list


def session_cookie_name(settings: Settings) -> str:
    """``__Host-`` prefixed (and Secure) when served over https."""
    return "__Host-rapport_session" if settings.secure_cookies else "rapport_session"


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_same_origin(request: Request, settings: Settings) -> None:
    """Refuse unsafe requests that a browser says came from another site."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site and fetch_site not in ("same-origin", "none"):
        raise Forbidden(detail="Cross-site request refused.", title="CSRF check failed")
    origin = request.headers.get("origin")
    if origin and origin != "null":
        allowed = {_origin_of(settings.base_url), _origin_of(str(request.base_url))}
        if origin.lower() not in allowed:
            raise Forbidden(detail="Cross-origin request refused.", title="CSRF check failed")
    elif origin == "null":
        raise Forbidden(detail="Opaque-origin request refused.", title="CSRF check failed")


def check_csrf(
    request: Request, settings: Settings, web_session: UserSession, form_token: str | None
) -> None:
    """Same origin, plus the session's CSRF token in X-CSRF-Token or the csrf_token field."""
    check_same_origin(request, settings)
    token = request.headers.get("x-csrf-token") or form_token or ""
    if not secrets.compare_digest(token.encode(), web_session.csrf_token.encode()):
        raise Forbidden(
            detail="The form has expired or the CSRF token is missing; reload the page and try again.",
            title="CSRF check failed",
        )


async def csrf_form_token(request: Request) -> str | None:
    """The csrf_token field of a submitted form (parsed once: Starlette keeps the parsed form
    on the request, and FastAPI's form parameters read the same one)."""
    if request.method in SAFE_METHODS:
        return None
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


F = TypeVar("F", tuple[User, LiveToken], tuple[User, UserSession])


def _lookup(request: Request, find: Callable[[bool], F | None]) -> F | None:
    """Run an identity lookup; on an unsafe request, outside the session's transaction.

    On SQLite an unsafe request's session begins IMMEDIATE (app.db). The lookup only reads:
    on an unsafe request it is a statement of its own on a connection of its own
    (``find(True)``: app.db.statement_read), so it takes no write lock and leaves the
    session without a transaction. No dependency ever carries a transaction (and SQLite's
    write lock) into another thread-pool turn: holding it across turns let every worker
    thread block on it while the holder waited for a thread (a deadlock with few threads;
    tests/test_request_stack.py). The handler then begins its own IMMEDIATE transaction. A
    safe request's lookup begins the session's read transaction, which the handler goes on
    with.
    """
    return find(request.method not in SAFE_METHODS)


async def _resolve(
    request: Request,
    db: Session,
    find: Callable[[bool], F | None],
    touch_due: Callable[[F], bool],
    touch: Callable[[Session, F], None],
    kept: Callable[[], F | None] | None = None,
) -> F | None:
    """An identity lookup, and its "last used" write when one is due (once a minute).

    On SQLite the lookup runs inline on the event loop, for writes too: it is one indexed
    read, and under WAL a read never waits for a lock, so a write request spends exactly
    one thread-pool turn (its handler's). The touch is a write: never inline. On
    PostgreSQL the lookup waits on the network, so it runs in the pool like every query,
    unless ``kept`` (a read's credential this worker looked up lately, from memory with no
    statement: RecentRows) answers first on the event loop: then the read spends one turn,
    its handler's, as on SQLite.
    """
    if request.app.state.engine.dialect.name == "sqlite":
        found = _lookup(request, find)
        if found is not None and touch_due(found):
            await in_thread(request, touch, db, found)
        return found
    if kept is not None:
        found = kept()
        if found is not None:
            if touch_due(found):
                await in_thread(request, touch, db, found)
            return found

    def lookup_and_touch() -> F | None:
        found = _lookup(request, find)
        if found is not None and touch_due(found):
            touch(db, found)
        return found

    return await in_thread(request, lookup_and_touch)


def _token_touch_due(found: tuple[User, LiveToken]) -> bool:
    return tokens_service.token_touch_due(found[1])


def _touch_token(db: Session, found: tuple[User, LiveToken]) -> None:
    tokens_service.touch_token(db, found[1].token())


def _session_touch_due(found: tuple[User, UserSession]) -> bool:
    return auth_service.session_touch_due(found[1])


def _touch_session(db: Session, found: tuple[User, UserSession]) -> None:
    auth_service.touch_session(db, found[1])


def _session_cookie(request: Request, settings: Settings) -> str | None:
    cookie = request.cookies.get(session_cookie_name(settings))
    if not cookie or len(cookie) > 200:
        return None
    return cookie


async def api_actor(request: Request, db: Session) -> Actor:
    """Bearer token first; a session cookie also works but then unsafe methods pass CSRF."""
    settings: Settings = request.app.state.settings
    authorization = request.headers.get("authorization")
    unsafe = request.method not in SAFE_METHODS
    if authorization:
        scheme, _, secret = authorization.partition(" ")
        secret = secret.strip()
        if scheme.lower() != "bearer" or not secret:
            raise Unauthorized(detail="Use 'Authorization: Bearer <token>'.")
        max_days = settings.max_token_days
        found = await _resolve(
            request,
            db,
            # A read may go on this worker's recent lookup of the token (RecentRows).
            lambda outside: tokens_service.find_live_token(
                db, secret, max_days=max_days, outside_transaction=outside, recent_ok=not outside
            ),
            _token_touch_due,
            _touch_token,
            None
            if unsafe
            else lambda: tokens_service.find_live_token(
                db, secret, max_days=max_days, recent_only=True
            ),
        )
        if found is None:
            raise Unauthorized(detail="The token is unknown, expired or revoked.")
        actor = Actor(user=found[0], token=found[1])
        if unsafe and not actor.can_write:
            raise Forbidden(detail="This token is read-only; create one with the 'write' scope.")
    else:
        session_found = await _browser_session(request, db, settings)
        if session_found is None:
            raise Unauthorized(detail="Authenticate with 'Authorization: Bearer <token>'.")
        actor = Actor(user=session_found[0], web_session=session_found[1])
        if unsafe:
            check_csrf(request, settings, session_found[1], await csrf_form_token(request))
    request.state.user = actor.user
    return actor


class ApiAuthentication(SecurityBase):
    """The API's one authentication dependency (``CurrentUser``): the acting user.

    A SecurityBase, as fastapi.security.HTTPBearer is, so that FastAPI documents every
    operation that depends on it with the ``bearerAuth`` scheme; calling it resolves the
    credential (``api_actor``). Declaring the scheme with a separate HTTPBearer dependency
    beneath ``api_actor`` (and ``api_actor`` beneath the user) cost two more dependencies to
    solve on every API request, and HTTPBearer parsed the header a second time. It calls
    ``get_db`` instead of depending on it: FastAPI solves a nested dependency before looking
    in its cache, so the route's session was solved twice (once as the route's, once as this).
    """

    def __init__(self) -> None:
        self.model = HTTPBearerModel(description="rpt_ token")
        self.scheme_name = "bearerAuth"

    async def __call__(self, request: Request) -> User:
        return (await api_actor(request, await get_db(request))).user


async def page_actor(request: Request) -> Actor:
    """The signed-in browser user, or a redirect to the login page.

    It calls ``get_db`` rather than depend on it, as ``ApiAuthentication`` does: FastAPI
    solves a nested dependency before looking in its cache, a second solve on every page."""
    settings: Settings = request.app.state.settings
    db = await get_db(request)
    found = await _browser_session(request, db, settings)
    if found is None:
        raise LoginRequired
    user, web_session = found
    request.state.user = user
    request.state.csrf_token = web_session.csrf_token
    if request.method not in SAFE_METHODS:
        check_csrf(request, settings, web_session, await csrf_form_token(request))
    return Actor(user=user, web_session=web_session)


async def _browser_session(
    request: Request, db: Session, settings: Settings
) -> tuple[User, UserSession] | None:
    """The cookie's live session and its user, or None."""
    cookie = _session_cookie(request, settings)
    if cookie is None:
        return None
    return await _resolve(
        request,
        db,
        # A read may go on this worker's recent lookup of the session (RecentRows).
        lambda outside: auth_service.find_session(
            db, settings, cookie, outside_transaction=outside, recent_ok=not outside
        ),
        _session_touch_due,
        _touch_session,
        None
        if request.method not in SAFE_METHODS
        else lambda: auth_service.find_session(db, settings, cookie, recent_only=True),
    )


async def optional_page_user(request: Request) -> User | None:
    """The signed-in user when there is one (the dashboard, login and setup pages).

    Async, as page_actor: on SQLite the lookup runs inline instead of costing the request a
    thread-pool turn of its own. Like page_actor, it depends on nothing."""
    found = await _browser_session(request, await get_db(request), request.app.state.settings)
    if found is None:
        return None
    request.state.user = found[0]
    request.state.csrf_token = found[1].csrf_token
    return found[0]


# The user dependencies call page_actor rather than depend on it: one dependency fewer for
# FastAPI to solve on every page. A route takes either PageActor or PageUser / AdminPageUser,
# never both (tests/test_request_dependencies.py), so the session is resolved once.
async def _page_user(request: Request) -> User:
    return (await page_actor(request)).user


async def _admin_page_user(request: Request) -> User:
    user = (await page_actor(request)).user
    if not user.is_admin:
        raise Forbidden(detail="Only an administrator can open this page.")
    return user


PageActor = Annotated[Actor, Depends(page_actor)]
CurrentUser = Annotated[User, Depends(ApiAuthentication())]
PageUser = Annotated[User, Depends(_page_user)]
AdminPageUser = Annotated[User, Depends(_admin_page_user)]
OptionalPageUser = Annotated[User | None, Depends(optional_page_user)]
