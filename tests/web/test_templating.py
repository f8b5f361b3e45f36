"""How templates are loaded: settled once by create_app, and never a failed page for it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from jinja2 import DictLoader, Environment

from app.config import Settings
from app.web.templating import _BytecodeCache, configure_templates, templates

PAGE = {"page.html": "<p>{{ name }}</p>"}


def test_served_templates_are_not_checked_for_changes_and_are_cached(app: FastAPI) -> None:
    # `app` is built by create_app with env "test": only development re-reads the files.
    assert templates.env.auto_reload is False
    assert isinstance(templates.env.bytecode_cache, _BytecodeCache)


def test_development_picks_up_edited_templates(settings: Settings) -> None:
    try:
        configure_templates(settings.model_copy(update={"env": "development"}))
        assert templates.env.auto_reload is True
    finally:
        configure_templates(settings)
    assert templates.env.auto_reload is False


def _environment(cache: _BytecodeCache) -> Environment:
    return Environment(loader=DictLoader(PAGE), autoescape=True, bytecode_cache=cache)


def test_a_new_worker_loads_compiled_templates_instead_of_compiling(tmp_path: Path) -> None:
    assert _environment(_BytecodeCache(str(tmp_path))).get_template("page.html")
    assert list(tmp_path.iterdir())
    second = _environment(_BytecodeCache(str(tmp_path)))

    def compile_again(*args: Any, **kwargs: Any) -> None:
        pytest.fail("the template was compiled again")

    second.compile = compile_again  # type: ignore[method-assign]
    assert second.get_template("page.html").render(name="<b>") == "<p>&lt;b&gt;</p>"


def test_a_cache_that_cannot_be_written_only_means_compiling_again(tmp_path: Path) -> None:
    # The directory is gone (a temporary-file cleaner, say): the page still renders.
    environment = _environment(_BytecodeCache(str(tmp_path / "removed")))
    assert environment.get_template("page.html").render(name="<b>") == "<p>&lt;b&gt;</p>"
