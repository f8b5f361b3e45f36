"""``rapport send-reminders``: the daily digest for cron or a systemd timer."""

from __future__ import annotations

import typer
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.config import get_settings
from app.errors import Invalid


class SmtpSettings(BaseSettings):
    """RAPPORT_SMTP_URL (e.g. smtp://user:pass@host:587?starttls=true) and RAPPORT_SMTP_FROM."""

    model_config = SettingsConfigDict(env_prefix="RAPPORT_", extra="ignore")

    smtp_url: str | None = None
    smtp_from: str | None = None


def send_reminders_command() -> None:
    """Email each opted-in user a digest of follow-ups due today and overdue (once a day)."""
    from app.db import make_engine, open_session
    from app.registry import import_all_models
    from app.reminders import service

    smtp = SmtpSettings()
    if not smtp.smtp_url:
        typer.echo("RAPPORT_SMTP_URL is not set: no reminders sent (email is optional).")
        return
    try:
        server = service.parse_smtp_url(smtp.smtp_url, smtp.smtp_from)
    except Invalid as exc:
        typer.echo(f"error: RAPPORT_SMTP_URL: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    settings = get_settings()
    import_all_models()
    engine = make_engine(settings.effective_database_url)
    session = open_session(engine, write=True)
    try:
        run = service.send_reminders(session, server, base_url=settings.base_url)
    except service.DeliveryFailed as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        session.close()
        engine.dispose()
    typer.echo(f"sent {len(run.sent)} digest(s); {run.nothing_due} user(s) had nothing due")
