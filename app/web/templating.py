"""Page rendering: one template per page, HTMX requests get just the block they target."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import structlog
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import FileSystemBytecodeCache, pass_context
from jinja2.bccache import Bucket
from jinja2_fragments.fastapi import Jinja2Blocks
from markupsafe import Markup

from app.config import Settings
from app.contacts.normalise import display_phone
from app.markdown import render_markdown
from app.progress.charts import MonthChart
from app.timezones import user_zone

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"
templates = Jinja2Blocks(directory=str(TEMPLATE_DIR))


class _BytecodeCache(FileSystemBytecodeCache):
    """Jinja's per-user cache of compiled templates (a 0700 directory under the system's
    temporary one; entries keyed by the template's path and checked against its source).

    A cache that cannot be written (the directory cleaned away, a full disk) only means the
    template is compiled again next time: never a failed page."""

    def dump_bytecode(self, bucket: Bucket) -> None:
        with suppress(OSError):
            super().dump_bytecode(bucket)


def configure_templates(settings: Settings) -> None:
    """How templates are loaded, settled once per process by ``create_app``.

    Outside development a template's file is not checked for changes at every use (a stat
    for the page, its base, each import of the macros, each include). Compiled templates
    are kept as bytecode, so a new worker loads them instead of compiling them again: 0.7 s
    of CPU for all of them, 60 ms for the contacts page's on its first request."""
    env = templates.env
    env.auto_reload = settings.env == "development"
    if env.bytecode_cache is None:
        try:
            env.bytecode_cache = _BytecodeCache()
        except (OSError, RuntimeError) as exc:  # no safe temporary directory: compile instead
            structlog.get_logger("rapport").warning("template_cache_off", reason=str(exc))


def is_htmx(request: Request) -> bool:
    """An HTMX request that wants a fragment (not boosted navigation, not history restore)."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def _localtime(value: datetime | None, tz_name: str = "UTC", fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(user_zone(tz_name)).strftime(fmt)


def _query(request: Request, **changes: Any) -> str:
    """The current query string with some parameters replaced (for sort and paging links)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    return "?" + urlencode(params) if params else "?"


@pass_context
def _phone(context: Any, value: str | None) -> str:
    """A stored E.164 number formatted for the instance's phone region."""
    request = context.get("request")
    settings = getattr(getattr(request, "app", None), "state", None)
    region = getattr(getattr(settings, "settings", None), "default_phone_region", "US")
    return display_phone(value, region)


# Keyed by the chart object: month_chart() returns the same immutable chart for the same
# figures, so each distinct chart is rendered once (its SVG and table are about 300 escaped
# values, the dearest part of the dashboard). Only `chart` reaches the template, so nothing
# of the page or its reader can end up in the cached markup.
@lru_cache(maxsize=256)
def _draw_chart(chart: MonthChart) -> Markup:
    """A month chart drawn by templates/progress/_chart.html (SVG and its table of numbers)."""
    return Markup(templates.env.get_template("progress/_chart.html").render(chart=chart))


templates.env.filters["markdown"] = render_markdown
templates.env.filters["phone"] = _phone
templates.env.filters["localtime"] = _localtime
templates.env.globals["query"] = _query
templates.env.globals["draw_chart"] = _draw_chart


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a page, or only ``block`` of it for an HTMX request."""
    ctx: dict[str, Any] = {
        "user": getattr(request.state, "user", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "tz": getattr(getattr(request.state, "user", None), "timezone", "UTC"),
    }
    ctx.update(context or {})
    kwargs: dict[str, Any] = {}
    if block and is_htmx(request):
        kwargs["block_name"] = block
    response = templates.TemplateResponse(
        request, template, ctx, status_code=status_code, headers=headers, **kwargs
    )
    response.headers["Vary"] = "HX-Request"
    return response
