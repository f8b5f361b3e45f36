"""Pools of generated sentences: filled once per run, then sampled, so 200,000 notes of
realistic length cost a few random choices each instead of a template fill per sentence."""

from __future__ import annotations

import random

from app.seed import vocab


def sentence_pool(rng: random.Random, orgs: list[str], size: int = 4000) -> list[str]:
    """``size`` distinct-ish sentences from the note templates, with varied fillings."""
    pool = []
    for _ in range(size):
        template = rng.choice(vocab.NOTE_TEMPLATES)
        pool.append(
            template.format(
                topic=rng.choice(vocab.TOPICS),
                skill=rng.choice(vocab.SKILLS),
                tool=rng.choice(vocab.TOOLS),
                org=rng.choice(orgs) if orgs else "their company",
                city=rng.choice(vocab.CITIES),
                role=rng.choice(vocab.ROLES),
                n=rng.randint(2, 12),
            )
        )
    return pool


def paragraph(rng: random.Random, pool: list[str], low: int, high: int) -> str:
    """Between ``low`` and ``high`` sentences from the pool, as one paragraph."""
    return " ".join(rng.choices(pool, k=rng.randint(low, high)))


def how_we_met(rng: random.Random) -> str:
    """A short origin story for a contact (sometimes empty)."""
    return rng.choice(vocab.HOW_WE_MET).format(topic=rng.choice(vocab.TOPICS))
