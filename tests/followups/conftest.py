"""Row builders shared by the follow-up suites."""

from tests.followups.builders import make_career, make_contact, make_interview

__all__ = ["make_career", "make_contact", "make_interview"]
