"""The import's fast checks answer exactly as the full ones they stand in for (issue 14).

A 10,000-row import checks each email, phone and LinkedIn address; each of these has a fast
path for the usual value (a plain address at a domain checked once, a number valid in the home
region, the canonical profile address). Every fast answer must be the full check's answer, and
any value the fast path cannot vouch for must go through the full check unchanged.
"""

from __future__ import annotations

import phonenumbers
import pytest
from pydantic import TypeAdapter, ValidationError

from app.contacts import normalise
from app.contacts.normalise import normalise_linkedin, normalise_phone, plain_email
from app.contacts.schemas import Email
from app.errors import Invalid
from app.exchange.contactfile import read_contact_file
from app.exchange.vcard import addressbook

_FULL_EMAIL: TypeAdapter[str] = TypeAdapter(Email)

ADDRESSES = [
    "ada@example.com",
    "Ada.Lovelace@Example.COM",  # the domain is lower-cased, the local part kept
    "a!#$%&'*+/=?^_`{|}~-@example.org",
    "ada+tag@sub.example.co.uk",
    "Postmaster@example.com",  # a mailbox name the validator lower-cases
    "ada@xn--exmple-cua.com",  # an IDNA domain, normalised to Unicode
    "ada@localhost",
    "ada@example.test",  # a special-use domain
    "ada@example.com.",
    "ada..b@example.com",
    ".ada@example.com",
    "ada@-example.com",
    "ada@exa_mple.com",
    "ada@123.456",
    "a" * 65 + "@example.com",
    "a" * 200 + "@" + "b" * 60 + ".com",  # over 254 characters
    "Ada <ada@example.org>",
    '"ada b"@example.org',
    "zoë@example.org",
    "ada@exämple.com",
    "not-an-email",
    "ada@",
    "@example.com",
]


def _full(value: str) -> str | None:
    try:
        return _FULL_EMAIL.validate_python(value)
    except ValidationError:
        return None


@pytest.mark.parametrize("value", ADDRESSES)
def test_a_plain_email_is_what_the_schema_makes_of_it(value: str) -> None:
    fast = plain_email(value)
    if fast is not None:  # the fast path vouches only for what the full check accepts
        assert fast == _full(value)


def test_the_usual_addresses_take_the_fast_path() -> None:
    assert plain_email("Ada.Lovelace@Example.COM") == "Ada.Lovelace@example.com"
    assert plain_email("ada+tag@sub.example.co.uk") == "ada+tag@sub.example.co.uk"
    # What needs the full check's wording or normalisation is left to it.
    for value in ("Postmaster@example.com", "ada@xn--exmple-cua.com", "ada@localhost", "x@y"):
        assert plain_email(value) is None


PHONES = [
    ("(202) 555-0143", "US"),  # valid at home
    ("+1 268 464 1234", "US"),  # Antigua: +1, but not the home region's
    ("+1 416 555 0143", "US"),  # Canada
    ("(555) 234-5678", "US"),  # no such area code
    ("555-0100", "US"),
    ("+44 20 7946 0958", "US"),
    ("020 7946 0958", "GB"),
    ("+49 30 1234567", "DE"),
    ("030 1234567", "DE"),
    ("(202) 555-0143", "CA"),  # the US number from a Canadian address book
    ("+1 202 555 0143", "AG"),  # a region that is not its code's first
    ("+1 202 555 0143", "XX"),  # an unknown region
    ("1-800-FLOWERS", "US"),
    ("12345", "FR"),
]


def _slow_phone(raw: str, region: str) -> str | None:
    """normalise_phone's answer by the library's own rule alone."""
    try:
        number = phonenumbers.parse(raw, region.upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@pytest.mark.parametrize(("raw", "region"), PHONES)
def test_a_phone_is_checked_as_the_library_checks_it(raw: str, region: str) -> None:
    expected = _slow_phone(raw, region)
    if expected is None:
        with pytest.raises(Invalid):
            normalise_phone(raw, region)
    else:
        assert normalise_phone(raw, region) == expected


def test_only_a_codes_first_region_asks_itself_first() -> None:
    # The home region answers alone only where is_valid_number's search would start.
    assert normalise._first_region_of_code("US") == "US"
    assert normalise._first_region_of_code("GB") == "GB"
    assert normalise._first_region_of_code("CA") is None
    assert normalise._first_region_of_code("AG") is None
    assert normalise._first_region_of_code("XX") is None


@pytest.mark.parametrize(
    "url",
    [
        "https://www.linkedin.com/in/ada-lovelace",
        "https://www.linkedin.com/in/Ada-Lovelace/",
        "https://www.linkedin.com/in/a.b_c~d",
        "http://www.linkedin.com/in/ada",
        "https://linkedin.com/in/Ada%20L/",
        "https://www.linkedin.com/in/" + "a" * 101,
        "https://www.linkedin.com/in/ada?trk=1",
    ],
)
def test_the_canonical_profile_address_reads_as_the_long_way_does(url: str) -> None:
    slow = url.replace("https://www.", "HTTPS://www.")  # the same address, past the fast path
    try:
        expected = normalise_linkedin(slow)
    except Invalid as exc:
        with pytest.raises(Invalid) as fast:
            normalise_linkedin(url)
        assert fast.value.errors == exc.errors
    else:
        assert normalise_linkedin(url) == expected


def test_row_problems_do_not_count_towards_the_files_limit() -> None:
    # Cards are checked as they are read; the limit on problems is still the file's own.
    cards = "".join(
        f"BEGIN:VCARD\nFN:Person {n}\nEMAIL:not-an-email-{n}\nEND:VCARD\n"
        for n in range(addressbook.MAX_PROBLEMS + 200)
    )
    read = read_contact_file(cards.encode(), phone_region="US")
    assert len(read.invalid) == addressbook.MAX_PROBLEMS + 200 and read.broken == []
    strays = "END:VCARD\n" * (addressbook.MAX_PROBLEMS + 5)
    read = read_contact_file(
        (cards[: cards.index("BEGIN", 1)] + strays).encode(), phone_region="US"
    )
    assert list(read.invalid) == [1]
    assert read.broken[-1].message == "Too many problems; the rest of the file was not read."
    assert len(read.broken) == addressbook.MAX_PROBLEMS + 1


def test_a_card_with_too_many_properties_is_refused_once_and_read_no_further() -> None:
    properties = "".join(f"TEL:+1 202 555 {n:04d}\n" for n in range(addressbook.MAX_PROPERTIES))
    card = f"BEGIN:VCARD\nFN:Many Phones\n{properties}EMAIL:bad\nNOTE:x\nEND:VCARD\n"
    read = read_contact_file(card.encode(), phone_region="US")
    assert [e.message for e in read.broken] == [
        f"More than {addressbook.MAX_PROPERTIES} emails, phones, notes..."
    ]
    assert read.invalid == {}  # the card's remaining properties were not read at all
    assert read.rows[0].email is None
