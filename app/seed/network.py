"""Seed generation for careers, organizations, tags, contacts and their interactions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from app.contacts.models import STAGES
from app.interactions.models import INTERACTION_KINDS
from app.seed import text as seedtext
from app.seed import vocab

# Stage weights: a heavy user has many prospects and a core of people they met.
STAGE_WEIGHTS = (35, 25, 20, 20)
INTERACTIONS_BY_STAGE = {
    "prospect": (0, 0),
    "contacted": (1, 2),
    "met": (1, 4),
    "in_network": (2, 5),
}
CADENCES = (None, None, 30, 60, 90, 180, 365)
INTERACTION_WEIGHTS = (45, 15, 20, 5, 15)


# ---- the services' rules for denormalised columns ------------------------------------------


def search_text_rule() -> Callable[..., str]:
    """The contacts service's own search_text builder when it has one, else the same rule."""
    try:
        from app.contacts import service

        rule = getattr(service, "build_search_text", None)
        if callable(rule):
            return rule
    except ImportError:  # pragma: no cover - the contacts domain is always present
        pass

    def fallback(
        full_name: str, title: str, organization: str | None, email: str | None, tags: list[str]
    ) -> str:
        parts = [full_name, title, organization or "", email or "", *tags]
        return " ".join(p for p in parts if p).casefold()

    return fallback


def next_touch_rule() -> Callable[[datetime | None, datetime, int | None], datetime | None]:
    from app.interactions.service import next_touch_due

    return next_touch_due


class NetworkSeeder:
    """Careers, organizations, tags and contacts; mixed into the user seeder, which supplies
    ``rng``, ``writer``, ``ids``, ``plan``, ``anchor``, ``user``, ``pool`` and the row helpers."""

    # ---- careers, organizations, tags ------------------------------------------------------

    def _careers(self) -> list[int]:
        chosen = self.rng.sample(vocab.CAREERS, k=min(12, len(vocab.CAREERS)))
        start = self.ids.take("careers", len(chosen))
        for offset, (title, industry) in enumerate(chosen):
            created = self._past(900, 400)
            slug = title.lower().replace(" ", "-")
            self.writer.add(
                "careers",
                {
                    "id": start + offset,
                    "owner_id": self.owner_id,
                    "title": title,
                    "industry": industry,
                    "status": self.rng.choice(vocab.CAREER_STATUSES),
                    "interest": self.rng.randint(1, 5),
                    "research_notes": seedtext.paragraph(self.rng, self.pool, 2, 5),
                    "resources": [
                        {
                            "url": f"https://example.org/careers/{slug}",
                            "title": f"{title}: an overview",
                            "kind": "article",
                            "note": "",
                        }
                    ],
                    **self._tracked(created),
                },
            )
        return list(range(start, start + len(chosen)))

    def _organization_names(self) -> list[tuple[str, str, str]]:
        """(name, city, web domain) for this user's organizations."""
        count = max(3, min(5_000, self.plan.contacts // 25))
        combos = [(p, s) for p in vocab.ORG_PREFIXES for s in vocab.ORG_SUFFIXES]
        self.rng.shuffle(combos)
        names = []
        for offset in range(count):
            prefix, suffix = combos[offset % len(combos)]
            city = self.rng.choice(vocab.CITIES)
            name = f"{prefix} {suffix}"
            if offset >= len(combos):
                name = f"{name} {city}"
            names.append((name, city, name.lower().replace(" ", "") + ".example"))
        return names

    def _organizations(self, names: list[tuple[str, str, str]]) -> list[tuple[int, str, str]]:
        start = self.ids.take("organizations", len(names))
        orgs = []
        for offset, (name, city, domain) in enumerate(names):
            org_id = start + offset
            self.writer.add(
                "organizations",
                {
                    "id": org_id,
                    "owner_id": self.owner_id,
                    "name": name,
                    "website": f"https://{domain}",
                    "industry": self.rng.choice(vocab.CAREERS)[1],
                    "location": city,
                    "research_notes": (
                        seedtext.paragraph(self.rng, self.pool, 1, 3)
                        if self.rng.random() < 0.3
                        else ""
                    ),
                    **self._tracked(self._past(900, 300)),
                },
            )
            orgs.append((org_id, name, domain))
        return orgs

    def _tags(self) -> list[tuple[int, str]]:
        start = self.ids.take("tags", len(vocab.TAGS))
        tags = []
        for offset, name in enumerate(vocab.TAGS):
            self.writer.add("tags", {"id": start + offset, "owner_id": self.owner_id, "name": name})
            tags.append((start + offset, name))
        return tags

    # ---- contacts, their links and interactions -----------------------------------------

    def _contacts(self) -> None:
        rng = self.rng
        total = self.plan.contacts
        first_id = self.ids.take("contacts", total)
        interaction_id = self.ids.take("interactions", 0)
        self.met_contacts: list[int] = []
        fragments: set[str] = set()
        for index in range(total):
            contact_id = first_id + index
            first, last = rng.choice(vocab.FIRST_NAMES), rng.choice(vocab.LAST_NAMES)
            full_name = f"{first} {last}"
            if len(fragments) < 200 and rng.random() < 0.01:
                fragments.add(rng.choice((last[:4], first[:3] + " " + last[:2], last)).lower())
            title = (rng.choice(vocab.SENIORITY) + rng.choice(vocab.ROLES)).strip()
            org = rng.choice(self.orgs) if rng.random() < 0.9 else None
            email = None
            if rng.random() < 0.7:
                domain = org[2] if org else "mail.example"
                email = f"{first}.{last}{index % 97}@{domain}".lower()
            slug = f"{first}-{last}-{index:x}".lower()
            linkedin = rng.random() < 0.5
            stage = rng.choices(STAGES, STAGE_WEIGHTS)[0]
            cadence = rng.choice(CADENCES)
            created = self._past(1_000, 1)
            introduced_by = None
            if index > 0 and rng.random() < 0.25:
                introduced_by = first_id + rng.randrange(max(0, index - 5_000), index)
            # Interactions between creation and now, oldest first.
            low, high = INTERACTIONS_BY_STAGE[stage]
            span = (self.anchor - created).total_seconds()
            moments = sorted(
                created + timedelta(seconds=rng.uniform(0, span))
                for _ in range(rng.randint(low, high))
            )
            last_contacted = moments[-1] if moments else None
            tag_rows = rng.sample(self.tags, k=rng.choices((0, 1, 2, 3), (25, 40, 25, 10))[0])
            tag_names = sorted(name for _, name in tag_rows)
            self.writer.add(
                "contacts",
                {
                    "id": contact_id,
                    "owner_id": self.owner_id,
                    "full_name": full_name,
                    "title": title,
                    "organization_id": org[0] if org else None,
                    "email": email,
                    "phone": f"+44207946{rng.randint(0, 9999):04d}" if rng.random() < 0.3 else None,
                    "linkedin_url": f"https://www.linkedin.com/in/{slug}" if linkedin else None,
                    "linkedin_key": slug if linkedin else None,
                    "location": rng.choice(vocab.CITIES),
                    "how_we_met": seedtext.how_we_met(rng),
                    "introduced_by_id": introduced_by,
                    "stage": stage,
                    "stay_in_touch_days": cadence,
                    "notes": seedtext.paragraph(rng, self.pool, 1, 3) if rng.random() < 0.3 else "",
                    "last_contacted_at": last_contacted,
                    "next_touch_due": self.next_touch(last_contacted, created, cadence),
                    "search_text": self.search_text(
                        full_name, title, org[1] if org else None, email, tag_names
                    ),
                    **self._tracked(created, last_contacted or created),
                },
            )
            for moment in moments:
                self.writer.add(
                    "interactions",
                    {
                        "id": interaction_id,
                        "owner_id": self.owner_id,
                        "contact_id": contact_id,
                        "kind": rng.choices(INTERACTION_KINDS, INTERACTION_WEIGHTS)[0],
                        "occurred_at": moment,
                        "summary": seedtext.paragraph(rng, self.pool, 1, 2),
                        **self._tracked(moment),
                    },
                )
                interaction_id += 1
            for career_id in rng.sample(self.careers, k=rng.choices((0, 1, 2), (5, 70, 25))[0]):
                self.writer.add(
                    "contact_careers", {"contact_id": contact_id, "career_id": career_id}
                )
            for tag_id, _ in tag_rows:
                self.writer.add("contact_tags", {"contact_id": contact_id, "tag_id": tag_id})
            if stage in ("met", "in_network"):
                self.met_contacts.append(contact_id)
        self.ids.next["interactions"] = interaction_id
        self.user.contact_ids = list(range(first_id, first_id + total))
        self.user.name_fragments = sorted(fragments) or ["a"]
        if not self.met_contacts and total:
            self.met_contacts = [first_id]
