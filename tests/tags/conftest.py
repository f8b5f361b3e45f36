"""Fixtures for the tags suites: the contacts suites' makers (contacts, careers, ...)."""

from tests.contacts.conftest import (  # noqa: F401
    make_career,
    make_contact,
    make_interaction,
    make_org,
)
