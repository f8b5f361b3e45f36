"""Rapport: a companion for informational interviews."""

import sys as _sys

# structlog.dev imports rich whenever it is installed (3.5 MB with pygments in every worker),
# for console tracebacks Rapport does not use; rich is here for the command line only. So
# structlog is imported first with rich hidden, and rich stays importable for the rest.
if "structlog" not in _sys.modules and "rich" not in _sys.modules:
    _sys.modules["rich"] = None  # type: ignore[assignment]
    try:
        import structlog  # noqa: F401
    finally:
        del _sys.modules["rich"]
