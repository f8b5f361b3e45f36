"""Page rendering: one template per page, HTMX requests get just the block they target."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, MutableMapping
from contextlib import suppress
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from types import CodeType
from typing import Any, NamedTuple
from urllib.parse import urlencode

import structlog
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemBytecodeCache, Template, pass_context
from jinja2.bccache import Bucket
from jinja2.environment import TemplateModule
from jinja2.runtime import Context
from jinja2_fragments import render_block
from jinja2_fragments.fastapi import Jinja2Blocks
from markupsafe import Markup, _escape_inner

from app.config import Settings
from app.contacts.normalise import display_phone
from app.markdown import render_markdown
from app.progress.charts import MonthChart
from app.timezones import user_zone
from app.validation import label
from app.wording import plural

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"


def escape_text(value: object) -> str:
    """The text of ``markupsafe.escape(value)``, as a plain string.

    What a compiled template calls for each ``{{ value }}``. Jinja only joins these pieces
    (and wraps a macro's, a block's or a ``{% set %}``'s joined text in Markup itself), so a
    piece need not be Markup; making one (a str subclass, built through Python) costs ten
    times the escaping, about 1 us a value: 11 % of the contacts page's busy samples. Its
    escaping is markupsafe's own (its C function), so the text is the same to the byte."""
    if type(value) is str:
        return _escape_inner(value)
    html = getattr(value, "__html__", None)
    if html is not None:  # Markup, a macro's output: already safe
        return html()
    return _escape_inner(str(value))


class _Template(Template):
    """A template whose ``{{ value }}`` output is escaped by ``escape_text``: the same text,
    without a Markup object per value. Only those calls change: compiled code names
    ``escape`` for nothing else (the ``e`` filter, ``~`` and Markup's own operators use
    markupsafe's). ``from_code`` makes every template, compiled or read from the cache."""

    @classmethod
    def from_code(
        cls,
        environment: Environment,
        code: CodeType,
        globals: MutableMapping[str, Any],
        uptodate: Callable[[], bool] | None = None,
    ) -> Template:
        template = super().from_code(environment, code, globals, uptodate)
        # The module namespace the template's code was run in, shared by its blocks and macros.
        template.root_render_func.__globals__["escape"] = escape_text
        return template

    def _get_default_module(self, ctx: Context | None = None) -> TemplateModule:
        # `{% import "_macros.html" as m %}` (without context) asks whether the importing
        # page has globals this template lacks, a set difference over two ChainMaps: about
        # 10 us an import, two on the contacts page. A page whose globals are all the
        # environment's (this template's globals include every one of those) has none, and
        # gets the shared module, as Jinja's own check would give it: only the check is
        # cheaper (a set against the environment's dict keys).
        if ctx is not None and ctx.globals_keys <= self.environment.globals.keys():
            ctx = None
        return super()._get_default_module(ctx)


templates = Jinja2Blocks(directory=str(TEMPLATE_DIR))
templates.env.template_class = _Template


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


# The main navigation (links and search box) depends on the section alone: each section's
# is drawn once, by templates/_nav.html, instead of on every page (two thirds of a page's
# frame). Only `section` reaches the template, so nothing of a reader is in the markup.
@lru_cache(maxsize=32)
def _main_nav(section: str) -> Markup:
    """The navigation's links, ``section``'s marked as the current page, and search box."""
    return Markup(templates.env.get_template("_nav.html").render(section=section))


# A filter's <select> (the `filter_select` macro of templates/_macros.html) drawn once per
# distinct arguments: a list page's stage and sort selects have fixed options and a career
# select the reader's few careers, so the same few are drawn again and again (the macro's
# call and an escaped value per option: ~30 of the ~125 us the contacts page's frame took
# around its rows). The key is every argument the macro reads, so the markup is exactly
# what it would draw; typed, so a selected 1 and True are not one entry.
@lru_cache(maxsize=256, typed=True)
def _drawn_select(
    id: str,
    label: str,
    name: str,
    options: tuple[tuple[Any, str], ...],
    selected: Any,
    blank: str | None,
) -> Markup:
    macros = templates.env.get_template("_macros.html").module
    return Markup(macros.filter_select(id, label, name, options, selected, blank=blank))  # type: ignore[attr-defined]


def _draw_select(
    id: str,
    label: str,
    name: str,
    options: Iterable[tuple[Any, str]],
    selected: Any,
    blank: str | None = None,
) -> Markup:
    """``m.filter_select(id, label, name, options, selected, blank=blank)``, the same
    markup, drawn once per distinct arguments (options as (value, text) pairs)."""
    return _drawn_select(id, label, name, tuple(options), selected, blank)


templates.env.filters["markdown"] = render_markdown
templates.env.filters["phone"] = _phone
templates.env.filters["localtime"] = _localtime
templates.env.globals["query"] = _query
templates.env.globals["draw_chart"] = _draw_chart
templates.env.globals["main_nav"] = _main_nav
templates.env.globals["draw_select"] = _draw_select
templates.env.globals["plural"] = plural  # "1 bank", "2 banks": the one plural rule
templates.env.filters["label"] = label  # a field's name as people read it (app.validation)


class EncodedMarkup(Markup):
    """Markup drawn once and printed on many pages, with its UTF-8 bytes kept beside it
    (``utf8``), for ``render(..., spliced=...)``.

    A page is text until its response encodes it, and a page with any character past ASCII
    (every page: base.html's "·") is encoded character by character: the dashboard's 23 KB
    cost 30-37 us a page, 18 KB of it the progress section drawn once per user's figures.
    The bytes are made with the markup (and with any markup derived from it), so they are
    always its text's."""

    utf8: bytes

    def __new__(cls, base: Any = "", encoding: str | None = None, errors: str = "strict") -> Any:
        markup = super().__new__(cls, base, encoding, errors)
        markup.utf8 = str.encode(markup, "utf-8")
        return markup


def _page_bytes(template: Template, ctx: dict[str, Any], spliced: Iterable[EncodedMarkup]) -> bytes:
    """The page as UTF-8, each of ``spliced`` (where the page prints it) as its kept bytes
    and only the text between them encoded: the same bytes as encoding the whole page."""
    try:
        pieces = list(template.root_render_func(template.new_context(ctx)))
    except Exception:
        template.environment.handle_exception()  # as Template.render: the template's traceback
    found: dict[int, bytes] = {}
    for part in spliced:
        # Found by equality, so a piece of the same text is spliced too: the same bytes.
        with suppress(ValueError):
            found.setdefault(pieces.index(part), part.utf8)
    out: list[bytes] = []
    start = 0
    for at in sorted(found):
        out += ("".join(pieces[start:at]).encode(), found[at])
        start = at + 1
    out.append("".join(pieces[start:]).encode())
    return b"".join(out)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    spliced: Iterable[EncodedMarkup] = (),
    kept: bool = False,
) -> HTMLResponse:
    """Render a page, or only ``block`` of it for an HTMX request.

    Rendered here and answered as a plain HTMLResponse rather than through
    ``Jinja2Blocks.TemplateResponse``: its argument parsing, context processors (none here)
    and debug message per response, and the Vary header set afterwards (a search through
    the headers), cost a 50-row contacts page a tenth of its render.

    ``spliced``: large parts the page prints (from ``context``) whose bytes are kept
    (``EncodedMarkup``), put into the page's bytes as they are rather than encoded again.

    ``kept``: the page is drawn from its key alone (``_kept_page``): ``context``, every value
    hashable, and what base.html shows of the reader; its ``EncodedMarkup`` values are
    spliced. The template sees no ``request``."""
    state = request.state
    user = getattr(state, "user", None)
    content: str | bytes
    if kept:
        reader = None if user is None else Reader(user.display_name, user.username, user.is_admin)
        frame = _Frame(reader, getattr(state, "csrf_token", ""))
        fragment = block if block and is_htmx(request) else None
        content = _kept_page(template, fragment, frame, tuple((context or {}).items()))
    else:
        ctx: dict[str, Any] = {
            "request": request,
            "user": user,
            "csrf_token": getattr(state, "csrf_token", ""),
            "tz": getattr(user, "timezone", "UTC"),
        }
        ctx.update(context or {})
        if block and is_htmx(request):
            content = render_block(templates.env, template, block, ctx)
        elif spliced:
            content = _page_bytes(templates.env.get_template(template), ctx, spliced)
        else:
            content = templates.env.get_template(template).render(ctx)
    return HTMLResponse(
        content, status_code, {**headers, "Vary": "HX-Request"} if headers else _VARY
    )


_VARY = {"Vary": "HX-Request"}  # every page's: a fragment and its page share one address


class Reader(NamedTuple):
    """What base.html shows of the signed-in reader: the name on the account link, and
    whether to link the admin pages (read by the same names as a User's)."""

    display_name: str | None
    username: str
    is_admin: bool


class _Frame(NamedTuple):
    """What base.html shows around a kept page's content: its reader (None signed out) and
    the session's CSRF token (the HTMX header and the log-out form)."""

    reader: Reader | None
    csrf_token: str


# Pages kept drawn, by template, block, frame and context: each is the page's bytes (a
# 50-row contacts page about 20 KB). The commonest loads of a list (a reload, back to a
# page, search-as-you-type returning to a query) find theirs.
KEPT_PAGES = 32


# A page is drawn from exactly the key: only the key's values reach the template (no
# request, no user object), so an entry shows nothing its key does not hold. A page whose
# parts are kept objects (the contacts list's toolbar, rows, count line and pager) is then
# found again without running its template or encoding its text (-11 % instructions per
# contacts page, callgrind).
@lru_cache(maxsize=KEPT_PAGES)
def _kept_page(
    template: str,
    block: str | None,
    frame: _Frame,
    context: tuple[tuple[str, Hashable], ...],
) -> bytes:
    ctx: dict[str, Any] = {"user": frame.reader, "csrf_token": frame.csrf_token, **dict(context)}
    if block:
        return render_block(templates.env, template, block, ctx).encode()
    spliced = [value for _, value in context if isinstance(value, EncodedMarkup)]
    return _page_bytes(templates.env.get_template(template), ctx, spliced)
