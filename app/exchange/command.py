"""``rapport import FILE --user U``: the one contact import (any format), from the shell.

It prints the preview's summary (how the file was read, what each row is) and, unless
``--dry-run``, imports what it showed in one transaction. Large files get a progress bar
(rich) on standard error, so standard output stays the summary alone.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from app.config import get_settings
from app.errors import DomainError, Invalid
from app.exchange.schemas import FILE_FORMATS, FORMAT_LABELS, ImportPreview
from app.validation import label
from app.wording import plural

# Files above this size get a progress bar: below it an import takes a blink.
LARGE_FILE_BYTES = 256 * 1024
_SHOWN_ROWS = 20
_STEP_LABELS = {"read": "Reading the file", "classified": "Checking rows", "written": "Writing"}
# The rule that found a duplicate, in the words the preview page uses.
_MATCHED_BY = {
    "email": "email",
    "linkedin": "LinkedIn profile",
    "name_organization": "name and organization",
}


def parse_mapping(values: list[str]) -> dict[str, str | None]:
    """``name=Full Name,email=E-mail`` (one or several --map) as field -> column."""
    mapping: dict[str, str | None] = {}
    for value in values:
        for pair in value.split(","):
            if not pair.strip():
                continue
            name, equals, column = pair.partition("=")
            if not equals:
                raise typer.BadParameter(f"{pair!r}: write field=Column, e.g. email=E-mail.")
            mapping[name.strip()] = column.strip() or None
    return mapping


def import_command(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="The file of contacts."
    ),
    user: str = typer.Option(..., "--user", help="The account that gets the contacts."),
    file_format: str = typer.Option(
        "auto", "--format", help=f"One of {', '.join(FILE_FORMATS)} (auto: told by the content)."
    ),
    mapping: list[str] = typer.Option(
        [], "--map", help="For any CSV: field=Column pairs, comma-separated (e.g. name=Full Name)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the preview; import nothing."),
    update_empty: bool = typer.Option(
        False, "--update-empty", help="Fill the empty fields of contacts that rows match."
    ),
) -> None:
    """Import contacts from a LinkedIn, vCard, Google or any CSV file, after a preview."""
    from app.auth import service as auth_service
    from app.db import make_engine, open_session
    from app.exchange.filelimits import MAX_IMPORT_BYTES
    from app.exchange.newcontacts.service import STEPS, ImportOptions, import_file
    from app.registry import import_all_models

    if file_format not in FILE_FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FILE_FORMATS)}", param_hint="--format")
    options = ImportOptions(
        file_format=file_format,
        mapping=parse_mapping(mapping) or None,
        dry_run=dry_run,
        update_empty=update_empty,
    )
    with file.open("rb") as handle:
        raw = handle.read(MAX_IMPORT_BYTES + 1)
    settings = get_settings()
    import_all_models()
    engine = make_engine(settings.effective_database_url)
    session = open_session(engine, write=True)
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    try:
        with progress if len(raw) > LARGE_FILE_BYTES else nullcontext():
            task = progress.add_task(_STEP_LABELS["read"], total=len(STEPS))

            def advance(step: str) -> None:
                following = STEPS[min(STEPS.index(step) + 1, len(STEPS) - 1)]
                progress.update(task, advance=1, description=_STEP_LABELS[following])

            account = auth_service.get_user_by_username(session, user)
            preview = import_file(
                session,
                account,
                raw,
                options,
                phone_region=settings.default_phone_region,
                on_step=advance,
            )
    except Invalid as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        for error in exc.errors:
            typer.echo(f"  {error.field}: {error.message}", err=True)
        if any(error.field.startswith("mapping.") for error in exc.errors):
            # The page offers a choice of columns; here the way to choose is an option.
            typer.echo(
                'Choose the columns with --map, e.g. --map "name=Full Name,email=E-mail".', err=True
            )
        raise typer.Exit(1) from None
    except DomainError as exc:
        typer.echo(f"error: {exc.detail or exc.title}", err=True)
        raise typer.Exit(1) from None
    finally:
        session.close()
        engine.dispose()
    typer.echo(summary(preview, update_empty=update_empty))


def import_alias(file_format: str) -> Callable[..., None]:
    """The older ``rapport import-<format>`` command: ``rapport import --format <format>``
    with the options it always had (the file, --user, --dry-run)."""

    def alias(
        file: Path = typer.Argument(
            ..., exists=True, dir_okay=False, readable=True, help="The file of contacts."
        ),
        user: str = typer.Option(..., "--user", help="The account that gets the contacts."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Show the preview; import nothing."),
    ) -> None:
        import_command(
            file,
            user=user,
            file_format=file_format,
            mapping=[],
            dry_run=dry_run,
            update_empty=False,
        )

    alias.__doc__ = (
        f"Import a {FORMAT_LABELS[file_format]} file (rapport import --format {file_format})."
    )
    return alias


def summary(preview: ImportPreview, *, update_empty: bool = False) -> str:
    """The preview as a few lines of text: the reading, the counts, the rows worth a look
    (and, with ``update_empty``, how many matched contacts get empty fields filled)."""
    reading = f"format {preview.format}, encoding {preview.encoding}"
    if preview.delimiter:
        reading += f", delimiter {preview.delimiter!r}"
    lines = [reading]
    if preview.mapping:
        lines.append("columns: " + ", ".join(f"{k}={v}" for k, v in preview.mapping.items()))
    lines.append(
        f"{plural(preview.rows, 'row')}: {preview.new} new, "
        f"{plural(preview.duplicates, 'duplicate')}, {preview.invalid} invalid"
    )
    shown = 0
    for item in preview.items:
        if item.status == "new" or shown >= _SHOWN_ROWS:
            continue
        shown += 1
        # An invalid or repeated row's name beside its line, so it is found at a glance (a
        # duplicate names the contact it matches instead).
        where = f"line {item.line} ({item.full_name})" if item.full_name else f"line {item.line}"
        if item.status == "invalid":
            lines.append(f"  {where}: invalid: {'; '.join(item.reasons)}")
        elif item.match is not None:
            named = (label(name) for name in item.fills)
            fills = f"; fills {', '.join(named)}" if item.fills else ""
            lines.append(
                f"  line {item.line}: duplicate of #{item.match.id} {item.match.full_name} "
                f"(same {_MATCHED_BY[item.match.by]}){fills}"
            )
        elif item.duplicate_of_line is not None:
            lines.append(f"  {where}: repeats line {item.duplicate_of_line}")
    prefix = "dry run, nothing written: would create" if preview.dry_run else "created"
    created = (
        f"{prefix} {plural(preview.created, 'contact')} and "
        f"{plural(preview.organizations_created, 'organization')}"
    )
    if update_empty:
        filled = "would get" if preview.dry_run else "got"
        created += f"; {plural(preview.updated, 'matched contact')} {filled} empty fields filled"
    elif any(item.match is not None for item in preview.items):
        # Matched contacts are left as they are; say how to fill their gaps.
        created += (
            "; matched contacts are left as they are (--update-empty fills their empty fields)"
        )
    lines.append(created)
    return "\n".join(lines)
