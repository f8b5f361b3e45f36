"""Progress figures as the API returns them; the pages show the very same objects."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from app.careers.models import CareerStatus
from app.questions.models import Category


class MonthFigure(BaseModel):
    """Interviews held in one calendar month of the user's time zone, and how they felt."""

    # Frozen, hence hashable: app.progress.charts keeps a chart per distinct run of figures.
    model_config = ConfigDict(frozen=True)

    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM in the user's zone.")
    held: int = Field(
        ge=0,
        description="Interviews held (completed) that month. On the dashboard it stops at "
        "figure_cap + 1, meaning more than figure_cap (the mean is then of those counted).",
    )
    rated: int = Field(ge=0, description="How many of them have a confidence rating.")
    average_confidence: float | None = Field(
        default=None, ge=1, le=5, description="Mean confidence (1-5) of the rated ones."
    )


class CategoryCoverage(BaseModel):
    """One question category and how many of its questions were answered in held interviews."""

    category: Category
    label: str
    answered: int = Field(ge=0)


class CareerSummary(BaseModel):
    """One career's figures: the people, the interviews, what is still to do.

    On the dashboard the counts stop at figure_cap + 1; a career's progress counts exactly."""

    career_id: int
    title: str
    status: CareerStatus
    contacts: int = Field(ge=0, description="Contacts linked to the career.")
    interviews_requested: int = Field(
        ge=0, description="Interviews past planning (asked for), whatever came of them."
    )
    interviews_held: int = Field(ge=0, description="Interviews completed.")
    follow_ups_open: int = Field(
        ge=0, description="Open follow-ups for its interviews or its contacts."
    )


class CareerProgress(CareerSummary):
    """A career's page: its summary, how ready the user is, months, categories and notes."""

    professionals_talked_to: int = Field(
        ge=0, description="Distinct contacts with a held interview about the career."
    )
    first_confidence: int | None = Field(
        default=None, ge=1, le=5, description="Confidence after the earliest rated interview."
    )
    latest_confidence: int | None = Field(
        default=None, ge=1, le=5, description="Confidence after the latest rated interview."
    )

    months: list[MonthFigure]
    categories_covered: list[CategoryCoverage]
    categories_uncovered: list[CategoryCoverage]
    notes: str = Field(description="The user's own notes on the field (research notes).")


class DashboardCounts(BaseModel):
    """How many records the user has; all but contacts stop counting just past the cap."""

    contacts: int = Field(ge=0)
    careers: int = Field(ge=0)
    organizations: int = Field(ge=0)
    question_banks: int = Field(ge=0)
    interviews: int = Field(ge=0)
    cap: int = Field(description="Counts above this value mean 'more than cap'.")


class DashboardRead(BaseModel):
    """The home page's figures: counts, the last 12 months and a summary per career."""

    counts: DashboardCounts
    first_time: bool = Field(description="No careers and no interviews yet: show the guide.")
    figure_cap: int = Field(
        description="Month and career counts above this value mean 'more than figure_cap'."
    )
    months: list[MonthFigure]
    careers: list[CareerSummary]
