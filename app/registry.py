"""The domains that make up Rapport, in the order their routes are mounted."""

from __future__ import annotations

import importlib
from types import ModuleType

DOMAINS = [
    "auth",
    "tokens",
    "idempotency",
    "followups",
    "messages",
    "jobsearch",
    "reminders",
    "dashboard",
    "careers",
    "progress",  # /careers/{id}/progress and the figures of the dashboard
    "organizations",
    "contacts",
    "interactions",
    "tags",
    "questions",
    "feeds",  # before interviews: /interviews/{id}.ics must win over /interviews/{id}
    "interviews.answers",
    "interviews",
    "interviews.agenda",
    "exchange.account",
    "exchange",
    "resumes.shares",  # before resumes: /resumes/contact-options is not a resume id
    "resumes",
    "search",
]


def domain_modules(kind: str) -> list[ModuleType]:
    """Each domain's ``models``, ``api`` or ``views`` module, where the domain has one."""
    found = []
    for domain in DOMAINS:
        name = f"app.{domain}.{kind}"
        try:
            found.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            # Only a missing module of this exact name is skipped; broken imports still fail.
            if exc.name not in (name, f"app.{domain}"):
                raise
    return found


def import_all_models() -> None:
    """Import every table so SQLModel.metadata (and Alembic) sees the whole schema."""
    domain_modules("models")
