"""Input normalisation for contacts: phone numbers to E.164, LinkedIn URLs to one form, and
the common email address checked without the full validator's per-character work."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, unquote, urlsplit

import phonenumbers
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES
from pydantic.networks import validate_email
from pydantic_core import PydanticCustomError

from app.errors import Invalid

LINKEDIN_EXAMPLE = "https://www.linkedin.com/in/jane-doe"
# linkedin.com, www.linkedin.com and the country / mobile subdomains (uk., de., m., ...).
_LINKEDIN_HOST = re.compile(r"^(?:[a-z]{1,3}\.)?linkedin\.com$")
_SLUG_FORBIDDEN = re.compile(r"[\s/?#\x00-\x1f\x7f]")
# The canonical address itself, as LinkedIn's own export writes it: its slug is known
# without splitting the URL (every character of it is one quote() keeps as it is).
_CANONICAL_LINKEDIN = re.compile(r"https://www\.linkedin\.com/in/([A-Za-z0-9_.~-]{1,100})/?")


def normalise_phone(raw: str, region: str) -> str:
    """A phone number in E.164 (+15551234567); ``region`` applies when there is no +code."""
    message = (
        f"Phone must be a valid number for region {region}; "
        "include the country code for other regions (e.g. +44 20 7946 0958)."
    )
    try:
        number = phonenumbers.parse(raw, region.upper())
    except phonenumbers.NumberParseException:
        raise Invalid.one("phone", message) from None
    # is_valid_number first finds the number's region, trying every region of its calling
    # code (about 25 for +1). For a home region that is its code's first and has no leading
    # digits, that search would stop at the home region when the number is valid there:
    # asking the home region alone gives the same answer for the usual number, in a fifth
    # of the time.
    home = _first_region_of_code(region.upper())
    if not (home and phonenumbers.is_valid_number_for_region(number, home)) and (
        not phonenumbers.is_valid_number(number)
    ):
        raise Invalid.one("phone", message)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=64)
def _first_region_of_code(region: str) -> str | None:
    """``region`` when it is the first region of its calling code with no leading digits
    (where is_valid_number's search starts), else None."""
    code = phonenumbers.country_code_for_region(region)  # 0 for an unknown region
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, ())
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region, None)
    if not regions or regions[0] != region or metadata is None:
        return None
    return region if len(regions) == 1 or metadata.leading_digits is None else None


# An address of plain ASCII "atoms" (RFC 5322's dot-atom, which the validator accepts as it
# is) at a host name: nearly every address an import carries.
_PLAIN_EMAIL = re.compile(
    r"([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)@([A-Za-z0-9.-]+)"
)
_EMAIL_MAX_LENGTH = 254
_MAILBOX_NAMES = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)


def plain_email(raw: str) -> str | None:
    """The normalised form the contact schema's email check gives a plain address, or None
    when it is not plain: then the schema's full check decides (and words any refusal).

    The full check (email-validator) walks the address a character at a time and checks the
    domain's every label; a 10,000-row import spends most of its checking time there. A
    plain local part is accepted and kept as written, so only the domain needs the full
    check, once per distinct domain (it depends on nothing else).
    """
    found = _PLAIN_EMAIL.fullmatch(raw)
    if found is None or len(raw) > _EMAIL_MAX_LENGTH:
        return None
    local, domain = found.groups()
    if local.lower() in _MAILBOX_NAMES:  # postmaster@ and the like are lower-cased
        return None
    normal_domain = _checked_domain(domain)
    if normal_domain is None:
        return None
    address = f"{local}@{normal_domain}"
    return address if len(address) <= _EMAIL_MAX_LENGTH else None


@lru_cache(maxsize=4096)
def _checked_domain(domain: str) -> str | None:
    """The domain as the full check normalises it, or None when that is not plain ASCII or
    the check refuses it (the whole address then goes through the full check)."""
    try:
        _, address = validate_email(f"x@{domain}")
    except PydanticCustomError:
        return None
    normal = address.partition("@")[2]
    return normal if normal.isascii() else None


def _invalid_linkedin(message: str) -> Invalid:
    return Invalid.one("linkedin_url", f"{message} (for example {LINKEDIN_EXAMPLE}).")


def normalise_linkedin(raw: str) -> tuple[str, str]:
    """The canonical https://www.linkedin.com/in/<slug> URL and the slug that identifies it."""
    text = raw.strip()
    canonical = _CANONICAL_LINKEDIN.fullmatch(text)
    if canonical is not None:
        slug = canonical.group(1).lower()
        return f"https://www.linkedin.com/in/{slug}", slug
    # Every whitespace and control character but the space is unprintable: one C call
    # clears the usual address, the loop names nothing else.
    if (" " in text or not text.isprintable()) and any(
        ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text
    ):
        raise _invalid_linkedin("Must not contain spaces or control characters")
    if "://" not in text and text.lower().startswith(("linkedin.com/", "www.linkedin.com/")):
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
    except ValueError:
        raise _invalid_linkedin("Not a valid address") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise _invalid_linkedin("Must be an http:// or https:// address")
    if not _LINKEDIN_HOST.match(host):
        raise _invalid_linkedin("Must be a linkedin.com profile address")
    segments = [segment for segment in parts.path.split("/") if segment]
    if len(segments) < 2 or segments[0].lower() != "in":
        raise _invalid_linkedin("Must be a profile address with /in/<name>")
    slug = unquote(segments[1]).strip().casefold()
    if not 1 <= len(slug) <= 100 or _SLUG_FORBIDDEN.search(slug):
        raise _invalid_linkedin("The profile name in the address is not valid")
    return f"https://www.linkedin.com/in/{quote(slug, safe='-_.~')}", slug


def display_phone(e164: str | None, region: str) -> str:
    """A stored E.164 number as people write it: national form at home, international else."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if not phonenumbers.is_valid_number(number):
        return e164
    home = phonenumbers.region_code_for_number(number) == region.upper()
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)
