"""The ``rapport`` command: serve, migrate, manage users and tokens, check configuration."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from sqlmodel import Session

from app.config import get_settings
from app.exchange.account.command import import_account_command
from app.exchange.command import import_alias, import_command
from app.reminders.command import send_reminders_command
from app.wording import plural

if TYPE_CHECKING:
    from app.backup.service import BackupReport

app = typer.Typer(help="Rapport: informational interviews, done well.", no_args_is_help=True)
app.command("send-reminders")(send_reminders_command)
app.command("import-account")(import_account_command)
app.command("import")(import_command)
# The commands of one format each, from before `rapport import`: the same import now.
for _format in ("linkedin", "vcard", "google"):
    app.command(f"import-{_format}")(import_alias(_format))


@contextmanager
def _session() -> Iterator[Session]:
    from app.db import make_engine, open_session
    from app.registry import import_all_models

    import_all_models()
    engine = make_engine(get_settings().effective_database_url)
    session = open_session(engine, write=True)
    try:
        yield session
    finally:
        session.close()
        engine.dispose()


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


@app.command()
def migrate(revision: str = typer.Argument("head")) -> None:
    """Apply database migrations (default: to the newest)."""
    from app.migrations import upgrade

    upgrade(get_settings().effective_database_url, revision)
    typer.echo(f"database at {revision}")


@app.command()
def reindex() -> None:
    """Rebuild the search index from every record (the triggers keep it right after that)."""
    from app.search.service import rebuild_index

    with _session() as session:
        typer.echo(f"search index rebuilt: {plural(rebuild_index(session), 'entry', 'entries')}")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int | None = typer.Option(
        None, help="Worker processes (default: RAPPORT_WORKERS, else one per CPU)."
    ),
    reload: bool = False,
    migrate_first: bool = typer.Option(True, "--migrate/--no-migrate"),
) -> None:
    """Serve the application with uvicorn: one worker per CPU, uvloop and httptools when
    installed, and one access log line per request (the app's own, structured)."""
    import uvicorn

    from app.httpserver import bound_malloc, http_protocol

    bound_malloc()
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.effective_secret_key()
    if migrate_first:
        migrate("head")
    count = 1 if reload else serve_workers(workers, settings.workers)
    typer.echo(f"serving on http://{host}:{port} with {plural(count, 'worker')}, {_server_stack()}")
    uvicorn.run(
        "app.main:_app_factory",
        factory=True,
        host=host,
        port=port,
        workers=count,
        reload=reload,
        # uvloop and httptools when they are installed, asyncio and h11 if not.
        loop="auto",
        http=http_protocol(),
        # app.web.middleware.HttpBaseline writes the access line (with the request id).
        access_log=False,
        # uvicorn kills a worker that has not answered its supervisor within this many
        # seconds, start-up included (imports, migrations checked, ANALYZE): at its 5 s default
        # a first `make run` on a busy machine lost its workers twice before they came up.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        **proxy_options(settings.trusted_proxies),
    )


WORKER_HEALTHCHECK_SECONDS = 30


def serve_workers(option: int | None, configured: int | None) -> int:
    """--workers, else RAPPORT_WORKERS, else one worker per CPU this process may use."""
    if option is not None:
        return max(1, option)
    if configured is not None:
        return configured
    return _usable_cpus()


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # honours taskset and container CPU sets
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _server_stack() -> str:
    import importlib.util

    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"{loop} event loop, {http} parser"


def proxy_options(trusted_proxies: list[str]) -> dict[str, object]:
    """uvicorn's proxy settings: X-Forwarded-For/-Proto believed only from these peers.

    uvicorn alone would trust 127.0.0.1 (or $FORWARDED_ALLOW_IPS); with no proxy configured
    the headers are ignored altogether, so no local client can pick its address.
    """
    return {
        "proxy_headers": bool(trusted_proxies),
        "forwarded_allow_ips": list(trusted_proxies),
    }


def _read_password(password_stdin: bool, prompt: str = "Password") -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt(prompt, hide_input=True, confirmation_prompt=True)


@app.command("create-user")
def create_user(
    username: str,
    admin: bool = typer.Option(False, "--admin"),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from stdin."
    ),
    display_name: str = "",
    email: str | None = None,
) -> None:
    """Create an account."""

    from app.auth import service
    from app.auth.schemas import UserCreate
    from app.errors import DomainError

    password = _read_password(password_stdin)
    with _session() as session:
        try:
            user = service.create_user(
                session,
                UserCreate(
                    username=username, password=password, display_name=display_name, email=email
                ),
                is_admin=admin,
            )
        except DomainError as exc:
            _fail(_describe(exc))
        except ValueError as exc:
            _fail(str(exc))
        else:
            typer.echo(
                f"created {'admin ' if user.is_admin else ''}user {user.username} (id {user.id})"
            )


@app.command("reset-password")
def reset_password(
    username: str,
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from stdin."
    ),
) -> None:
    """Set a user's password, sign out all their sessions and revoke their API tokens."""
    from app.auth import service
    from app.errors import DomainError

    password = _read_password(password_stdin, "New password")
    with _session() as session:
        try:
            _, revoked = service.reset_password(session, username, password)
        except DomainError as exc:
            _fail(_describe(exc))
            return
    typer.echo(f"password reset for {username}")
    typer.echo(f"signed out {plural(revoked.sessions, 'session')}")
    names = ", ".join(revoked.token_names) or "none"
    typer.echo(f"revoked {plural(len(revoked.token_names), 'API token')}: {names}")


@app.command("create-token")
def create_token(
    username: str,
    name: str = "cli",
    scopes: str = "read,write",
    expires_in_days: str = typer.Option("90", help='Days until it expires (1-3650), or "never".'),
) -> None:
    """Create an API token for a user and print it (shown once)."""
    from app.auth import service
    from app.errors import DomainError
    from app.tokens import service as tokens_service
    from app.tokens.schemas import TokenCreate

    with _session() as session:
        try:
            user = service.get_user_by_username(session, username)
            secret, _ = tokens_service.create_token(
                session,
                user,
                TokenCreate(
                    name=name,
                    scopes=[s.strip() for s in scopes.split(",") if s.strip()],  # type: ignore[misc]
                    expires_in_days=expires_in_days,  # type: ignore[arg-type]
                ),
                max_days=get_settings().max_token_days,
            )
        except DomainError as exc:
            _fail(_describe(exc))
        except ValueError as exc:
            _fail(str(exc))
        else:
            typer.echo(secret)


@app.command("seed-demo")
def seed_demo(
    users: int = typer.Option(1, min=1, max=1000, help="How many accounts to create."),
    contacts: int = typer.Option(1000, min=0, max=10_000_000, help="Contacts per user."),
    interviews: int = typer.Option(100, min=0, max=1_000_000, help="Interviews per user."),
    answers: int = typer.Option(1000, min=0, max=10_000_000, help="Answer notes per user."),
    seed: int = typer.Option(1, help="Random seed: the same seed gives the same data."),
    prefix: str = typer.Option("demo", help="Usernames are <prefix>1, <prefix>2, ..."),
    database_url: str | None = typer.Option(None, help="Defaults to RAPPORT_DATABASE_URL."),
    migrate_first: bool = typer.Option(True, "--migrate/--no-migrate"),
) -> None:
    """Fill the database with realistic demo data and print each user's login and token."""
    from app.db import make_engine
    from app.errors import DomainError
    from app.migrations import upgrade
    from app.seed import SeedPlan
    from app.seed import seed_demo as run_seed

    url = database_url or get_settings().effective_database_url
    if migrate_first:
        upgrade(url, "head")
    engine = make_engine(url)
    plan = SeedPlan(
        users=users,
        contacts=contacts,
        interviews=interviews,
        answers=answers,
        seed=seed,
        username_prefix=prefix,
    )
    try:
        result = run_seed(engine, plan)
    except DomainError as exc:
        _fail(f"{_describe(exc)} (seed-demo wants a database without {prefix}1..{prefix}{users})")
        return
    finally:
        engine.dispose()
    for user in result.users:
        typer.echo(f"user {user.username} (id {user.user_id}) password {user.password!r}")
        typer.echo(f"  token {user.token}")
    counts = ", ".join(f"{name} {count}" for name, count in sorted(result.rows.items()))
    typer.echo(f"seeded in {result.seconds:.1f} s: {counts}")


@app.command("export")
def export(
    user: str = typer.Option(..., "--user", help="The account whose data is exported."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="File to write (default: standard output)."
    ),
) -> None:
    """Write everything a user owns as one JSON document (as GET /api/v1/export does)."""
    from app.auth import service as auth_service
    from app.db import make_engine, open_session
    from app.errors import DomainError
    from app.exchange.export import service
    from app.registry import import_all_models

    import_all_models()
    engine = make_engine(get_settings().effective_database_url)
    # A read session: an export must not hold SQLite's write lock while it streams.
    session = open_session(engine)
    try:
        account = auth_service.get_user_by_username(session, user)
        if output is None:
            for chunk in service.export_json(session, account):
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
        else:
            # Written aside and renamed, so a failed export never leaves half a file.
            partial = output.with_name(output.name + ".part")
            with partial.open("wb") as target:
                for chunk in service.export_json(session, account):
                    target.write(chunk)
            partial.replace(output)
            typer.echo(f"exported {account.username} to {output}", err=True)
    except DomainError as exc:
        _fail(_describe(exc))
    finally:
        session.close()
        engine.dispose()


def _print_backup(report: BackupReport) -> None:
    typer.echo(f"  file: {report.path} ({report.size:,} bytes)")
    if report.revision:
        typer.echo(f"  schema revision: {report.revision}")
    if report.rows:
        typer.echo("  rows: " + ", ".join(f"{name} {count}" for name, count in report.rows.items()))


@app.command("backup")
def backup(
    path: str = typer.Argument(
        ..., help="A new file, or a directory (ending in '/') to write a dated file in."
    ),
) -> None:
    """Take a consistent copy of the database while the app serves (SQLite) or run pg_dump."""
    from app.backup import service
    from app.errors import DomainError

    try:
        url = get_settings().effective_database_url
        report = service.backup(url, Path(path), directory=path.endswith(("/", os.sep)))
    except DomainError as exc:
        _fail(_describe(exc))
        return
    typer.echo(f"backup written and checked (integrity ok): {report.path}")
    _print_backup(report)


@app.command("restore")
def restore(
    path: Path = typer.Argument(..., help="A file written by `rapport backup`."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Replace the database with a backup; the current database is kept aside first."""
    from app.backup import service
    from app.errors import DomainError

    url = get_settings().effective_database_url
    try:
        checked = service.check_backup(url, path)
    except DomainError as exc:
        _fail(_describe(exc))
        return
    typer.echo(f"backup checked (integrity ok): {path}")
    _print_backup(checked)
    if not yes and not typer.confirm(
        "Replace the current database with this backup? Stop the app first.", default=False
    ):
        typer.echo("nothing restored")
        raise typer.Exit(1)
    try:
        report = service.restore(url, path)
    except DomainError as exc:
        _fail(_describe(exc))
        return
    typer.echo(f"restored {path}")
    if report.aside is not None:
        typer.echo(f"  the database it replaced is kept at {report.aside}")
    typer.echo("  run `rapport migrate` if the backup is from an older version")


@app.command()
def check() -> None:
    """Print configuration problems; exit 1 when there are any."""
    from app.config import Settings

    try:
        settings = Settings()
    except ValueError as exc:
        _fail(str(exc))
        return
    problems = settings.production_problems() if settings.env == "production" else []
    if settings.env != "production" and not settings.secret_key:
        typer.echo("note: no RAPPORT_SECRET_KEY; one is generated into the data directory")
    try:
        from sqlalchemy import text

        from app.db import make_engine

        with make_engine(settings.effective_database_url).connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        problems.append(f"database unreachable: {exc.__class__.__name__}: {exc}")
    for problem in problems:
        typer.echo(f"problem: {problem}")
    if problems:
        raise typer.Exit(1)
    typer.echo(f"ok: env={settings.env} database={settings.effective_database_url.split('@')[-1]}")


def _describe(exc: Exception) -> str:
    from app.errors import Invalid

    if isinstance(exc, Invalid) and exc.errors:
        return "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
    return str(exc)


if __name__ == "__main__":
    app()
