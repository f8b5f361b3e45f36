"""``rapport import-account FILE --user U``: a whole-account export into an empty account."""

from __future__ import annotations

from pathlib import Path

import typer

from app.config import get_settings
from app.wording import plural


def import_account_command(
    file: Path = typer.Argument(
        ..., help="A JSON file from `rapport export` or GET /api/v1/export."
    ),
    user: str = typer.Option(..., "--user", help="The (empty) account to import into."),
) -> None:
    """Import everything in an export file into an empty account, all or nothing."""
    from app.auth import service as auth_service
    from app.db import make_engine, open_session
    from app.errors import DomainError, Invalid
    from app.exchange.account import service
    from app.registry import import_all_models

    settings = get_settings()
    try:
        # Read one byte past the bound: a larger file is refused without being held whole.
        with file.open("rb") as source:
            raw = source.read(service.MAX_CLI_BYTES + 1)
    except OSError as exc:
        typer.echo(f"error: cannot read {file}: {exc.strerror}", err=True)
        raise typer.Exit(1) from None
    import_all_models()
    engine = make_engine(settings.effective_database_url)
    session = open_session(engine, write=True)
    try:
        account = auth_service.get_user_by_username(session, user)
        report = service.import_account(
            session,
            account,
            raw,
            max_bytes=service.MAX_CLI_BYTES,
            max_questions=settings.max_bank_questions,
            phone_region=settings.default_phone_region,
        )
    except DomainError as exc:
        if isinstance(exc, Invalid) and exc.errors:
            lines = [f"  {error.field}: {error.message}" for error in exc.errors]
            typer.echo("\n".join([f"error: {exc.detail} Nothing was imported.", *lines]), err=True)
        else:
            typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    finally:
        session.close()
        engine.dispose()
    counts = ", ".join(
        plural(count, service.kind_label(name)) for name, count in report.created.items() if count
    )
    typer.echo(f"imported a version {report.version} export into {user}: {counts or 'nothing'}")
    if report.unlinked:
        left = "was" if report.unlinked == 1 else "were"
        typer.echo(f"{plural(report.unlinked, 'link')} to banks outside the file {left} left empty")
