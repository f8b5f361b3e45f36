"""The fuzz run's hooks drop a failure only where the body was valid as sent (tests/fuzz/hooks.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fuzz.hooks import multipart_valid_as_sent

RESUME = {
    "type": "object",
    "required": ["file", "label"],
    "properties": {
        "file": {"type": "string", "format": "binary"},
        "label": {"type": "string", "minLength": 1, "maxLength": 200},
        "notes": {"type": "string", "maxLength": 5000},
    },
}


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        # Case nwl3WX: scalars go on the wire as their text; unnamed parts are allowed.
        ({"file": b"%PDF", "notes": False, "label": -5762, "": [1, 2], "q": None}, True),
        ({"file": b"%PDF", "label": "CV", "notes": None}, True),  # "null" is a text too
        ({"file": b"%PDF", "label": ""}, False),  # too short as sent
        ({"file": b"%PDF", "label": 10**201}, False),  # 202 digits: too long as sent
        ({"file": b"%PDF"}, False),  # a required part missing
        ({"file": b"%PDF", "label": ["a"]}, False),  # a list: not told, the check stands
        ("label=CV", False),  # not a form's fields
    ],
)
def test_a_multipart_body_is_judged_as_sent(body: Any, valid: bool) -> None:
    assert multipart_valid_as_sent(RESUME, body) is valid
