"""/api/v1/me/calendar-feed and /api/v1/interviews/{id}/ics: thin routes over app.feeds."""

from __future__ import annotations

from fastapi import Response

from app.feeds import service
from app.feeds.ics import MEDIA_TYPE, interview_document
from app.feeds.schemas import CalendarFeedAddress, CalendarFeedState, feed_urls
from app.resumes.files import content_disposition
from app.web.deps import CurrentUser, RowId, SessionDep, SettingsDep
from app.web.resources import no_content, problems
from app.web.routing import api_router

router = api_router(tags=["calendar"])
ICS = {
    200: {
        "description": "The interview as an iCalendar file (an attachment).",
        "content": {"text/calendar": {"schema": {"type": "string"}}},
    }
}


@router.get("/me/calendar-feed", response_model=CalendarFeedState)
def get_calendar_feed(db: SessionDep, user: CurrentUser) -> CalendarFeedState:
    """Whether your calendar feed is on. Its address is shown only when it is made."""
    return CalendarFeedState.of(service.feed_of(db, user))


@router.post("/me/calendar-feed", response_model=CalendarFeedAddress)
def rotate_calendar_feed(
    db: SessionDep, user: CurrentUser, settings: SettingsDep
) -> CalendarFeedAddress:
    """Turn the feed on under a new secret address, which is returned this once (any
    previous address stops working). Subscribe to `webcal_url` in a calendar app."""
    return feed_urls(settings.base_url, service.rotate_feed(db, user))


@router.delete("/me/calendar-feed", status_code=204)
def revoke_calendar_feed(db: SessionDep, user: CurrentUser) -> Response:
    """Turn the feed off: its address answers 404 from now on."""
    service.revoke_feed(db, user)
    return no_content()


@router.get(
    "/interviews/{interview_id}/ics",
    response_class=Response,
    responses={**ICS, **problems(404)},
)
def get_interview_ics(
    interview_id: RowId,
    db: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
) -> Response:
    """One scheduled interview as its own .ics file (404 when it has no time yet)."""
    item = service.calendar_interview(db, user, interview_id)
    body = interview_document(item, settings.base_url)
    headers = {"Content-Disposition": content_disposition(f"interview-{interview_id}.ics")}
    return Response(body, media_type=MEDIA_TYPE, headers=headers)
