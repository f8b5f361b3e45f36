"""`rapport send-reminders`: a real local SMTP server (aiosmtpd) receives the day's digest."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from sqlmodel import Session

from app.auth.models import User
from app.db import utcnow
from app.followups import service as followups_service
from app.followups.models import FollowUpSettings
from app.followups.schemas import FollowUpCreate
from app.reminders import service
from app.reminders.models import DigestDelivery


class Inbox:
    """An SMTP handler that keeps what it receives, or refuses everything."""

    def __init__(self, refuse: bool = False) -> None:
        self.messages: list[Any] = []
        self.refuse = refuse

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "554 Transaction failed"
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def refusing_smtp() -> Iterator[int]:
    port = _free_port()
    controller = Controller(Inbox(refuse=True), hostname="127.0.0.1", port=port)
    controller.start()
    yield port
    controller.stop()


@pytest.fixture
def opted_in(db: Session, make_user, make_contact) -> User:
    user = make_user("digest")
    user.email = "digest@example.org"
    db.add(user)
    db.add(FollowUpSettings(user_id=user.id, email_digest=True))
    db.commit()
    contact = make_contact(user, "Rachel Carson")
    now = utcnow()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    later_today = now + (midnight - now) / 2  # the user's zone is UTC
    for due, subject in (
        (now - timedelta(days=2), "old"),
        (later_today, "today"),
        (now + timedelta(days=10), "later"),
    ):
        followups_service.create_follow_up(
            db,
            user,
            FollowUpCreate(contact_id=contact.id, kind="thank_you", due_at=due, subject=subject),
        )
    return user


def _deliveries(db: Session) -> int:
    db.expire_all()
    count = db.scalar(select(func.count()).select_from(DigestDelivery)) or 0
    db.rollback()
    return count


def _server(port: int) -> service.SmtpServer:
    return service.parse_smtp_url(f"smtp://127.0.0.1:{port}", "rapport@example.org")


def test_digest_sent_once_per_day(db, opted_in, make_user, smtp):
    inbox, port = smtp
    not_opted = make_user("quiet")
    not_opted.email = "quiet@example.org"
    db.add(not_opted)
    db.commit()
    run = service.send_reminders(db, _server(port), base_url="http://rapport.test")
    assert run.sent == ["digest@example.org"]
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "digest@example.org"
    assert message["Subject"] == "Rapport: 2 follow-ups due"
    text = message.get_payload()
    assert "Overdue:" in text and "Due today:" in text and "Rachel Carson" in text
    assert "http://rapport.test/follow-ups/" in text
    assert _deliveries(db) == 1
    rerun = service.send_reminders(db, _server(port), base_url="http://rapport.test")
    assert rerun.sent == [] and len(inbox.messages) == 1


def test_failing_smtp_marks_nothing_sent(db, opted_in, refusing_smtp):
    with pytest.raises(service.DeliveryFailed):
        service.send_reminders(db, _server(refusing_smtp), base_url="http://x")
    assert _deliveries(db) == 0


def test_unreachable_smtp_marks_nothing_sent(db, opted_in):
    with pytest.raises(service.DeliveryFailed):
        service.send_reminders(db, _server(_free_port()), base_url="http://x")
    assert _deliveries(db) == 0


def test_smtp_url_forms():
    server = service.parse_smtp_url("smtp://me%40x.org:p%3Ass@mail.example.org:587?starttls=true")
    assert (server.host, server.port, server.username, server.password, server.starttls) == (
        "mail.example.org",
        587,
        "me@x.org",
        "p:ss",
        True,
    )
    assert service.parse_smtp_url("smtps://mail.example.org").port == 465
    with pytest.raises(Exception, match="smtp://"):
        service.parse_smtp_url("http://mail.example.org")


# ---- the command ------------------------------------------------------------------------


def _run_command(monkeypatch, database_url: str, **env: str) -> tuple[int, str, str]:
    from typer.testing import CliRunner

    from app.cli import app as rapport
    from app.config import get_settings

    monkeypatch.setenv("RAPPORT_DATABASE_URL", database_url)
    monkeypatch.setenv("RAPPORT_BASE_URL", "http://rapport.test")
    monkeypatch.delenv("RAPPORT_SMTP_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(rapport, ["send-reminders"])
    finally:
        get_settings.cache_clear()
    return result.exit_code, result.stdout, result.stderr


def test_command_without_smtp_says_so_and_succeeds(monkeypatch, database_url, opted_in, db):
    db.rollback()
    code, out, _ = _run_command(monkeypatch, database_url)
    assert code == 0 and "RAPPORT_SMTP_URL is not set" in out
    assert _deliveries(db) == 0


def test_command_sends_through_smtp(monkeypatch, database_url, opted_in, db, smtp):
    db.rollback()
    inbox, port = smtp
    code, out, _ = _run_command(
        monkeypatch, database_url, RAPPORT_SMTP_URL=f"smtp://127.0.0.1:{port}"
    )
    assert code == 0, out
    assert "sent 1 digest" in out and len(inbox.messages) == 1


def test_command_with_failing_smtp_exits_non_zero(
    monkeypatch, database_url, opted_in, db, refusing_smtp
):
    db.rollback()
    code, _, err = _run_command(
        monkeypatch, database_url, RAPPORT_SMTP_URL=f"smtp://127.0.0.1:{refusing_smtp}"
    )
    assert code == 1 and "error:" in err
    assert _deliveries(db) == 0
