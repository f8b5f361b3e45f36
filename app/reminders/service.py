"""The daily email digest: follow-ups due today and overdue, once per user per local day."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import select
from sqlmodel import Session

from app.auth.models import User
from app.db import utcnow
from app.errors import Invalid
from app.followups import service as followups_service
from app.followups.models import FollowUpSettings
from app.followups.service import DueFollowUp
from app.reminders.models import DigestDelivery
from app.timezones import user_zone
from app.wording import plural

SMTP_TIMEOUT = 30


class DeliveryFailed(Exception):
    """The SMTP server could not be reached or refused a message."""


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to send: parsed from RAPPORT_SMTP_URL."""

    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    tls: bool
    sender: str


def parse_smtp_url(url: str, sender: str | None = None) -> SmtpServer:
    """``smtp://user:pass@host:587?starttls=true`` or ``smtps://host:465`` (Invalid otherwise)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise Invalid.one("RAPPORT_SMTP_URL", "use smtp://[user:pass@]host[:port][?starttls=true]")
    query = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
    tls = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if tls else 25)
    except ValueError:
        raise Invalid.one("RAPPORT_SMTP_URL", "the port is not a number") from None
    username = unquote(parts.username) if parts.username else None
    return SmtpServer(
        host=parts.hostname,
        port=port,
        username=username,
        password=unquote(parts.password) if parts.password else None,
        starttls=query.get("starttls") in ("true", "1", "yes"),
        tls=tls,
        sender=sender or query.get("from") or f"rapport@{parts.hostname}",
    )


@dataclass
class Digest:
    """One user's message for one local day."""

    user: User
    day: date
    overdue: list[DueFollowUp]
    today: list[DueFollowUp]

    @property
    def count(self) -> int:
        """How many follow-ups it lists."""
        return len(self.overdue) + len(self.today)


@dataclass
class DigestRun:
    """What a run did."""

    sent: list[str] = field(default_factory=list)
    nothing_due: int = 0


def _local_day(user: User, now: datetime) -> date:
    return now.astimezone(user_zone(user.timezone)).date()


def pending_digests(session: Session, *, now: datetime | None = None) -> list[Digest]:
    """Opted-in users with an email, something due, and no digest yet for their local today."""
    now = now or utcnow()
    users = session.scalars(
        select(User)
        .join(FollowUpSettings, FollowUpSettings.user_id == User.id)
        .where(
            FollowUpSettings.email_digest.is_(True),  # type: ignore[attr-defined]
            User.is_active.is_(True),  # type: ignore[attr-defined]
            User.email.is_not(None),  # type: ignore[union-attr]
        )
        .order_by(User.id)
    )
    digests = []
    for user in users:
        day = _local_day(user, now)
        sent = session.scalar(
            select(DigestDelivery.id).where(
                DigestDelivery.owner_id == user.id, DigestDelivery.day == day
            )
        )
        if sent is not None or not user.email:
            continue
        due = followups_service.due_now(session, user, now=now)
        digests.append(Digest(user, day, due.overdue, due.today))
    return digests


def compose(digest: Digest, server: SmtpServer, base_url: str) -> EmailMessage:
    """The digest as a plain-text email."""
    labels = followups_service.KIND_LABELS
    lines = [f"Hello {digest.user.display_name or digest.user.username},", ""]
    for title, rows in (("Overdue", digest.overdue), ("Due today", digest.today)):
        if not rows:
            continue
        lines.append(f"{title}:")
        for row in rows:
            who = "someone" if row.contact_name is None else row.contact_name
            lines.append(
                f"- {labels.get(row.kind, row.kind)}: {who}  {base_url}/follow-ups/{row.id}"
            )
        lines.append("")
    lines.append(f"All follow-ups: {base_url}/follow-ups")
    message = EmailMessage()
    message["From"] = server.sender
    message["To"] = digest.user.email or ""
    message["Subject"] = f"Rapport: {plural(digest.count, 'follow-up')} due"
    message.set_content("\n".join(lines))
    return message


def _connect(server: SmtpServer) -> smtplib.SMTP:
    try:
        if server.tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=SMTP_TIMEOUT, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT)
            if server.starttls:
                client.starttls(context=ssl.create_default_context())
        if server.username:
            client.login(server.username, server.password or "")
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryFailed(f"cannot use {server.host}:{server.port}: {exc}") from exc
    return client


def send_reminders(
    session: Session, server: SmtpServer, *, base_url: str, now: datetime | None = None
) -> DigestRun:
    """Email each pending digest and record it; a refused send stops the run unrecorded."""
    now = now or utcnow()
    digests = pending_digests(session, now=now)
    run = DigestRun()
    # Composed while the read is open; then the transaction ends before any network wait.
    outbox = [
        (d.user.id, d.user.email or "", d.day, d.count, compose(d, server, base_url.rstrip("/")))
        for d in digests
        if d.count
    ]
    run.nothing_due = len(digests) - len(outbox)
    session.rollback()
    if not outbox:
        return run
    client = _connect(server)
    try:
        for owner_id, email, day, count, message in outbox:
            try:
                client.send_message(message)
            except (OSError, smtplib.SMTPException) as exc:
                raise DeliveryFailed(f"sending to {email} failed: {exc}") from exc
            # Recorded only once the server accepted it, so a failure is retried next run.
            session.add(DigestDelivery(owner_id=owner_id, day=day, follow_up_count=count))
            session.commit()
            run.sent.append(email)
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            client.quit()
    return run
