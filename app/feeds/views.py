"""The calendar feed itself (/feeds/<secret>.ics), single interview .ics files, and the
account panel that turns the feed on, rotates it and turns it off."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Path, Request
from fastapi.responses import HTMLResponse, Response

from app.auth.models import User
from app.feeds import service
from app.feeds.ics import MEDIA_TYPE, document_etag, etag_matches, feed_document, interview_document
from app.feeds.schemas import CalendarFeedState, feed_urls
from app.resumes.files import content_disposition
from app.web.deps import PageUser, RowId, SessionDep, SettingsDep
from app.web.forms import see_other
from app.web.routing import page_router
from app.web.templating import render

router = page_router()
# Calendar clients may keep the feed and ask again with If-None-Match; "private" keeps
# shared caches from storing a document whose address is a secret.
FEED_CACHE_CONTROL = "private, no-cache"


@router.get("/feeds/{secret}.ics")
def calendar_feed(
    secret: Annotated[str, Path(max_length=200)],
    db: SessionDep,
    settings: SettingsDep,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
) -> Response:
    user = service.user_for_secret(db, secret)
    body = feed_document(
        f"Rapport: {user.display_name or user.username}",
        service.feed_interviews(db, user),
        service.feed_follow_ups(db, user),
        settings.base_url,
    )
    etag = document_etag(body)
    headers = {"ETag": etag, "Cache-Control": FEED_CACHE_CONTROL}
    if etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=MEDIA_TYPE, headers=headers)


@router.get("/interviews/{interview_id}.ics")
def interview_ics(
    interview_id: RowId, db: SessionDep, user: PageUser, settings: SettingsDep
) -> Response:
    body = interview_document(service.calendar_interview(db, user, interview_id), settings.base_url)
    headers = {"Content-Disposition": content_disposition(f"interview-{interview_id}.ics")}
    return Response(body, media_type=MEDIA_TYPE, headers=headers)


def _panel(request: Request, db: SessionDep, user: User, **extra: Any) -> HTMLResponse:
    context = {
        "section": "account",
        "calendar_feed": CalendarFeedState.of(service.feed_of(db, user)),
        "new_feed": None,
        **extra,
    }
    return render(request, "feeds/page.html", context, block="panel")


@router.get("/feeds", response_class=HTMLResponse)
def calendar_feed_page(request: Request, db: SessionDep, user: PageUser) -> Response:
    return _panel(request, db, user)


@router.post("/feeds/rotate", response_class=HTMLResponse)
def calendar_feed_rotate(
    request: Request, db: SessionDep, user: PageUser, settings: SettingsDep
) -> Response:
    # The address is shown in this response only: it is stored as a hash, so no redirect.
    address = feed_urls(settings.base_url, service.rotate_feed(db, user))
    return _panel(request, db, user, new_feed=address)


@router.post("/feeds/revoke", response_class=HTMLResponse)
def calendar_feed_revoke(db: SessionDep, user: PageUser) -> Response:
    service.revoke_feed(db, user)
    return see_other("/feeds")
