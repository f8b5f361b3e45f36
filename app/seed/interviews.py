"""Seed generation for question banks, interviews and their agendas."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from importlib.resources import files
from typing import Any

from sqlalchemy import select

from app.seed import text as seedtext
from app.seed import vocab
from app.seed.rows import model_table

OTHER_STATUSES = ("scheduled", "requested", "planned", "cancelled", "no_show")
OTHER_WEIGHTS = (35, 20, 20, 15, 10)
COMPLETED_SHARE = 0.75
UNANSWERED_AGENDA = 5
MODES = ("in_person", "phone", "video")
CHECKLIST_STEPS = (
    ("research_career", "Research the career"),
    ("research_person", "Research the person and their organization"),
    ("prepare_questions", "Prepare questions"),
    ("confirm", "Confirm time, place and length"),
    ("thank_you", "Send a thank-you note"),
)


class InterviewSeeder:
    """Question banks, interviews and agendas; mixed into the user seeder, which supplies
    ``rng``, ``writer``, ``ids``, ``plan``, ``anchor``, ``user``, ``pool`` and the row helpers."""

    # ---- question banks --------------------------------------------------------------------

    def _question_banks(self) -> list[tuple[int, str, str]]:
        """Copies of the starter banks (or a small own bank); returns (id, text, category)."""
        banks = self._starter_banks()
        banks.append(
            (
                None,
                "My go-to questions",
                "The questions I ask in almost every conversation.",
                [
                    {"category": c, "text": t, "why_ask": "", "tags": []}
                    for c, t in vocab.OWN_BANK_QUESTIONS
                ],
            )
        )
        questions: list[tuple[int, str, str]] = []
        for source_id, name, description, items in banks:
            bank_id = self.ids.take("question_banks")
            created = self._past(800, 500)
            self.writer.add(
                "question_banks",
                {
                    "id": bank_id,
                    "owner_id": self.owner_id,
                    "name": name,
                    "description": description,
                    "shared": False,
                    "builtin": False,
                    "builtin_key": None,
                    "builtin_version": None,
                    "copied_from_id": source_id,
                    **self._tracked(created),
                },
            )
            for position, item in enumerate(items):
                question_id = self.ids.take("questions")
                self.writer.add(
                    "questions",
                    {
                        "id": question_id,
                        "bank_id": bank_id,
                        "owner_id": self.owner_id,
                        "text": item["text"],
                        "category": item["category"],
                        "tags": list(item.get("tags") or []),
                        "why_ask": item.get("why_ask") or "",
                        "position": position,
                        "builtin_key": None,
                        **self._tracked(created),
                    },
                )
                questions.append((question_id, item["text"], item["category"]))
        return questions

    def _starter_banks(self) -> list[tuple[int | None, str, str, list[dict[str, Any]]]]:
        """Built-in banks already in the database, else the shipped starter file, else none."""
        banks_table, questions_table = model_table("question_banks"), model_table("questions")
        found: list[tuple[int | None, str, str, list[dict[str, Any]]]] = []
        builtin = self.conn.execute(
            select(banks_table.c.id, banks_table.c.name, banks_table.c.description)
            .where(banks_table.c.builtin.is_(True))
            .order_by(banks_table.c.id)
        ).all()
        for bank_id, name, description in builtin:
            items = [
                dict(row._mapping)
                for row in self.conn.execute(
                    select(
                        questions_table.c.text,
                        questions_table.c.category,
                        questions_table.c.why_ask,
                        questions_table.c.tags,
                    )
                    .where(questions_table.c.bank_id == bank_id)
                    .order_by(questions_table.c.position, questions_table.c.id)
                )
            ]
            found.append((bank_id, name, description, items))
        if found:
            return found
        try:
            shipped = json.loads(
                files("app.questions").joinpath("starter_banks.json").read_text(encoding="utf-8")
            )
        except (FileNotFoundError, ModuleNotFoundError, ValueError):
            return []
        return [
            (None, bank["name"], bank.get("description", ""), bank["questions"])
            for bank in shipped.get("banks", [])
        ]

    # ---- interviews and their agendas ------------------------------------------------------

    def _interviews(self) -> None:
        rng = self.rng
        count = self.plan.interviews
        if count == 0:
            return
        completed = max(1, round(count * COMPLETED_SHARE)) if self.plan.answers else 0
        statuses = ["completed"] * completed + rng.choices(
            OTHER_STATUSES, OTHER_WEIGHTS, k=count - completed
        )
        rng.shuffle(statuses)
        per_interview, extra = divmod(self.plan.answers, completed) if completed else (0, 0)
        first_id = self.ids.take("interviews", count)
        agenda_id = self.ids.take("interview_questions", 0)
        completed_seen = 0
        preparation, checklist_template = _checklist_rules()
        for index, status in enumerate(statuses):
            interview_id = first_id + index
            checklist = checklist_template()
            done_steps = rng.randint(0, len(checklist))
            for position, item in enumerate(checklist):
                item["done"] = position < done_steps
            scheduled, requested, completed_at = self._interview_dates(status)
            created = (requested or scheduled or self._past(60)) - timedelta(
                days=rng.uniform(1, 20)
            )
            row: dict[str, Any] = {
                "id": interview_id,
                "owner_id": self.owner_id,
                "contact_id": rng.choice(self.met_contacts),
                "career_id": rng.choice(self.careers) if rng.random() < 0.85 else None,
                "status": status,
                "requested_at": requested,
                "scheduled_at": scheduled,
                "completed_at": completed_at,
                "duration_minutes": rng.choice((20, 30, 30, 30, 45, 60)),
                "mode": rng.choice(MODES),
                "location": rng.choice(("", "Video call", "Their office", "Cafe near the station")),
                "purpose": "Learn about the career from someone who does the work; "
                "not to ask for a job.",
                "checklist": checklist,
                "research_links": [],
                "promises": [],
                "summary": "",
                "takeaways": "",
                "usefulness": None,
                "confidence": None,
                **self._tracked(created, completed_at or created),
            }
            if "preparation_score" in model_table("interviews").c:
                row["preparation_score"] = preparation(checklist)
            if status == "completed":
                row["summary"] = seedtext.paragraph(rng, self.pool, 2, 4)
                row["takeaways"] = seedtext.paragraph(rng, self.pool, 1, 3)
                row["usefulness"] = rng.randint(1, 5)
                row["confidence"] = rng.randint(1, 5)
                row["promises"] = [
                    {"text": "Send the article we discussed", "by": "me", "done": False}
                ]
                answered = per_interview + (1 if completed_seen < extra else 0)
                completed_seen += 1
                if len(self.user.interview_ids) < 500:
                    self.user.interview_ids.append(interview_id)
            else:
                answered = 0
            self.writer.add("interviews", row)
            items = answered if status == "completed" else UNANSWERED_AGENDA
            agenda_id = self._agenda(interview_id, items, answered, agenda_id, row["updated_at"])
        self.ids.next["interview_questions"] = agenda_id

    def _interview_dates(
        self, status: str
    ) -> tuple[datetime | None, datetime | None, datetime | None]:
        """(scheduled_at, requested_at, completed_at) fitting the status."""
        rng = self.rng
        if status in ("completed", "cancelled", "no_show"):
            scheduled = self._past(700, 1)
            return (
                scheduled,
                scheduled - timedelta(days=rng.uniform(3, 30)),
                (scheduled + timedelta(minutes=30) if status == "completed" else None),
            )
        if status == "scheduled":
            scheduled = self.anchor + timedelta(days=rng.uniform(1, 30))
            return scheduled, self._past(20, 1), None
        if status == "requested":
            return None, self._past(20, 1), None
        return None, None, None

    def _agenda(
        self, interview_id: int, items: int, answered: int, next_id: int, when: datetime
    ) -> int:
        if not self.questions or items == 0:
            return next_id
        start = self.rng.randrange(len(self.questions))
        for position in range(items):
            question_id, question_text, category = self.questions[
                (start + position) % len(self.questions)
            ]
            is_answered = position < answered
            self.writer.add(
                "interview_questions",
                {
                    "id": next_id,
                    "owner_id": self.owner_id,
                    "interview_id": interview_id,
                    "position": position,
                    "text": question_text,
                    "category": category,
                    "source_question_id": question_id,
                    "asked": is_answered,
                    "skipped": False,
                    "answer_notes": seedtext.paragraph(self.rng, self.pool, 2, 6)
                    if is_answered
                    else "",
                    **self._tracked(when),
                },
            )
            next_id += 1
        return next_id


def _checklist_rules() -> tuple[
    Callable[[list[dict[str, Any]]], int], Callable[[], list[dict[str, Any]]]
]:
    """The interviews service's preparation score and default checklist, else our own."""
    try:
        from app.interviews import service

        return service.preparation_score, service.default_checklist
    except (ImportError, AttributeError):
        pass

    def score(checklist: list[dict[str, Any]]) -> int:
        if not checklist:
            return 0
        return round(100 * sum(1 for item in checklist if item.get("done")) / len(checklist))

    def template() -> list[dict[str, Any]]:
        return [{"key": key, "label": label, "done": False} for key, label in CHECKLIST_STEPS]

    return score, template
