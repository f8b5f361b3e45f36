"""The installed package holds every module: setuptools' find_packages skips a directory
without ``__init__.py``, so a wheel (the Docker image) would silently lack it."""

from __future__ import annotations

from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"


def test_every_app_directory_with_modules_is_a_package() -> None:
    missing = [
        str(directory.relative_to(APP.parent))
        for directory in [APP, *APP.rglob("*")]
        if directory.is_dir()
        and directory.name != "__pycache__"
        and any(directory.glob("*.py"))
        and not (directory / "__init__.py").exists()
    ]
    assert missing == []
