"""What the dashboard shows: a summary gathered from each domain's own service."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.auth.models import User


@dataclass
class DashboardSummary:
    """Counts and short lists for the home page; domains fill in what they know."""

    counts: dict[str, int] = field(default_factory=dict)
    sections: dict[str, list[Any]] = field(default_factory=dict)


def dashboard_summary(session: Session, user: User) -> DashboardSummary:
    """The user's progress through the method, from each domain's summary function."""
    summary = DashboardSummary()
    for contribute in _contributors():
        contribute(session, user, summary)
    return summary


def _contributors() -> list[Any]:
    # Each domain may expose dashboard_contribution(session, user, summary) in its service.
    from app.registry import domain_modules

    return [
        module.dashboard_contribution
        for module in domain_modules("service")
        if hasattr(module, "dashboard_contribution")
    ]
