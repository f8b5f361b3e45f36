"""Input normalisation for contacts: phone numbers to E.164, LinkedIn URLs to one form."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit

import phonenumbers

from app.errors import Invalid

LINKEDIN_EXAMPLE = "https://www.linkedin.com/in/jane-doe"
# linkedin.com, www.linkedin.com and the country / mobile subdomains (uk., de., m., ...).
_LINKEDIN_HOST = re.compile(r"^(?:[a-z]{1,3}\.)?linkedin\.com$")
_SLUG_FORBIDDEN = re.compile(r"[\s/?#\x00-\x1f\x7f]")


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
    if not phonenumbers.is_valid_number(number):
        raise Invalid.one("phone", message)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _invalid_linkedin(message: str) -> Invalid:
    return Invalid.one("linkedin_url", f"{message} (for example {LINKEDIN_EXAMPLE}).")


def normalise_linkedin(raw: str) -> tuple[str, str]:
    """The canonical https://www.linkedin.com/in/<slug> URL and the slug that identifies it."""
    text = raw.strip()
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
