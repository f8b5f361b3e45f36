"""Calendar feeds: the secret address (hashed at rest), and the items a feed lists."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlmodel import Session

from app.auth.models import User
from app.contacts.models import Contact
from app.db import utcnow
from app.errors import NotFound
from app.feeds.ics import FollowUpItem, InterviewItem
from app.feeds.models import CalendarFeed
from app.interviews.models import Interview
from app.ownership import get_owned
from app.timezones import user_zone

SECRET_PREFIX = "rcal_"
MAX_SECRET_LENGTH = 100
# Interviews on the calendar: those with a time, including cancelled ones (so a subscribed
# client marks them cancelled rather than silently keeping them).
FEED_STATUSES = ("scheduled", "completed", "no_show", "cancelled")
# How far back the feed reaches, and at most how many interviews it carries.
FEED_HISTORY = timedelta(days=180)
FEED_MAX_ITEMS = 2000


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def feed_of(session: Session, user: User) -> CalendarFeed | None:
    """The user's feed when it is enabled."""
    return session.scalar(select(CalendarFeed).where(CalendarFeed.owner_id == user.id))


def rotate_feed(session: Session, user: User) -> str:
    """Enable the feed under a new secret (the old address stops working); returns it once."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    feed = feed_of(session, user)
    if feed is None:
        feed = CalendarFeed(owner_id=user.id, secret_hash=_digest(secret))
        session.add(feed)
    else:
        feed.secret_hash = _digest(secret)
        feed.touch()
    session.commit()
    return secret


def revoke_feed(session: Session, user: User) -> None:
    """Turn the feed off: its address answers 404 from now on."""
    session.execute(delete(CalendarFeed).where(CalendarFeed.owner_id == user.id))
    session.commit()


def user_for_secret(session: Session, secret: str) -> User:
    """Whose feed an address names; NotFound for unknown, rotated or revoked secrets."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > MAX_SECRET_LENGTH:
        raise NotFound(detail="No calendar feed at this address.")
    statement = (
        select(User)
        .join(CalendarFeed, CalendarFeed.owner_id == User.id)
        .where(CalendarFeed.secret_hash == _digest(secret))
    )
    user = session.scalar(statement)
    if user is None or not user.is_active:
        raise NotFound(detail="No calendar feed at this address.")
    return user


def _item(interview: Interview, name: str, title: str) -> InterviewItem:
    assert interview.id is not None and interview.scheduled_at is not None
    return InterviewItem(
        id=interview.id,
        status=interview.status,
        starts_at=interview.scheduled_at,
        duration_minutes=interview.duration_minutes,
        mode=interview.mode,
        location=interview.location,
        purpose=interview.purpose,
        person=name,
        person_title=title,
        version=interview.version,
        created_at=interview.created_at,
        updated_at=interview.updated_at,
    )


def feed_interviews(session: Session, user: User) -> list[InterviewItem]:
    """The user's timed interviews from FEED_HISTORY ago on, with the person's name."""
    statement = (
        select(Interview, Contact.full_name, Contact.title)
        .join(Contact, Contact.id == Interview.contact_id)
        .where(
            Interview.owner_id == user.id,
            Interview.status.in_(FEED_STATUSES),  # type: ignore[attr-defined]
            Interview.scheduled_at.is_not(None),  # type: ignore[union-attr]
            Interview.scheduled_at >= utcnow() - FEED_HISTORY,  # type: ignore[operator]
        )
        .order_by(Interview.scheduled_at, Interview.id)
        .limit(FEED_MAX_ITEMS)
    )
    return [_item(interview, name, title) for interview, name, title in session.execute(statement)]


def feed_follow_ups(session: Session, user: User) -> list[FollowUpItem]:
    """The user's open follow-ups as all-day items on their due day (in the user's zone)."""
    # Read through the follow-ups domain's own service. Imported here, not at module load:
    # that domain arrived alongside this one, and the feed must not break without it.
    try:
        from app.followups import service as followups
        from app.followups.schemas import FollowUpFilters
    except ModuleNotFoundError:
        return []
    page = followups.list_follow_ups(
        session, user, FollowUpFilters(status="open"), sort="due_at", limit=FEED_MAX_ITEMS
    )
    contacts = followups.contacts_of(session, user, page.items)
    zone = user_zone(user.timezone)
    items = []
    for row in page.items:
        assert row.id is not None
        contact = contacts.get(row.contact_id)
        kind = followups.KIND_LABELS.get(row.kind, row.kind)
        who = f" ({contact.full_name})" if contact else ""
        items.append(
            FollowUpItem(
                id=row.id,
                title=f"{row.subject or kind}{who}",
                due_on=row.due_at.astimezone(zone).date(),
                version=row.version,
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
        )
    return items


def calendar_interview(session: Session, user: User, interview_id: int) -> InterviewItem:
    """One of the user's interviews as a calendar item; NotFound when it has no time."""
    interview = get_owned(session, Interview, user.id, interview_id)
    if interview.scheduled_at is None:
        raise NotFound(
            detail="This interview has no date and time yet, so it has no calendar file."
        )
    contact = session.get(Contact, interview.contact_id)
    name, title = (contact.full_name, contact.title) if contact else ("", "")
    return _item(interview, name, title or "")
