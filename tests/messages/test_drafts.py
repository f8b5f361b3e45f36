"""The template sandbox: only the documented variables, errors naming the line, bounded work."""

from __future__ import annotations

import time

import pytest

from app.errors import Invalid
from app.messages.drafts import mailto_link, outreach_warnings, render_text

VARIABLES = {
    "contact": {"full_name": "Ann Lee", "first_name": "Ann"},
    "interview": {"answers": [{"question": "q", "answer": "a"}] * 50},
}


def _refusal(source: str, field: str = "body") -> str:
    with pytest.raises(Invalid) as caught:
        render_text(field, source, VARIABLES)
    assert caught.value.errors[0].field == field
    return caught.value.errors[0].message


def test_renders_variables_filters_and_loops():
    source = "Hi {{ contact.first_name|upper }}\n{% for a in interview.answers[:2] %}{{ loop.index }}{{ a.answer }}{% endfor %}"
    assert render_text("body", source, VARIABLES) == "Hi ANN\n1a2a"


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ contact.__class__ }}",
        "{{ contact.items() }}",
        "{{ contact['full_name'].upper() }}",
        "{{ cycler }}",
        "{{ range(10) }}",
        "{{ lipsum() }}",
        "{{ self }}",
        "{{ config }}",
        "{{ contact.full_name|attr('__class__') }}",
        "{% import 'x' as y %}",
        "{% include 'base.html' %}",
        "{% macro f() %}{% endmacro %}",
    ],
)
def test_nothing_but_the_variables_can_be_reached(source):
    _refusal(source)


def test_unknown_variable_names_the_line():
    assert (
        _refusal("Hello\n\n{{ contact.nickname }}")
        == "Line 3: 'dict object' has no attribute 'nickname'"
    )
    assert _refusal("{{ someone }}") == "Line 1: 'someone' is undefined"


def test_syntax_error_names_the_line_and_the_problem():
    message = _refusal("ok\nfine\n{{ contact.full_name + }}", field="subject")
    assert message == "Line 3: unexpected 'end of print statement'"
    unclosed = _refusal("ok\n{% if contact.full_name %}\nunclosed")
    assert unclosed.startswith("Line 2:") and "endif" in unclosed


@pytest.mark.parametrize(
    "source",
    [
        "{{ 'a' * 1000000000 }}",
        "{{ 9 ** 9 ** 9 }}",
        "{{ '%999999999d' % 1 }}",
        "{{ contact.full_name|center(999999999) }}",
    ],
)
def test_growth_is_refused(source):
    _refusal(source)


def test_huge_loops_are_stopped_in_time():
    loops = "".join("{% for x" + str(i) + " in interview.answers %}" for i in range(5))
    ends = "{% endfor %}" * 5
    started = time.monotonic()
    assert "longer than" in _refusal(loops + ends)
    assert time.monotonic() - started < 3


def test_huge_output_is_stopped():
    loops = "{% for a in interview.answers %}{% for b in interview.answers %}{% for c in interview.answers %}0123456789{% endfor %}{% endfor %}{% endfor %}"
    assert "longer than" in _refusal(loops)


def test_mailto_encodes_subject_and_body():
    link = mailto_link("a.b+c@example.org", "Q&A? yes", "Line 1\nLine 2 & 100%")
    assert link == (
        "mailto:a.b+c@example.org?subject=Q%26A%3F%20yes&body=Line%201%0ALine%202%20%26%20100%25"
    )


def test_outreach_warnings():
    fine = "Hello, I am not looking for a job; I want to learn about your work."
    assert outreach_warnings("outreach", fine) == []
    missing = outreach_warnings("outreach", "Hello, could we talk about your work?")
    assert len(missing) == 1 and "not asking for a job" in missing[0]
    long = outreach_warnings("outreach", fine + " word" * 150)
    assert len(long) == 1 and "words" in long[0]
    assert outreach_warnings("thank_you", "no mention at all") == []
