"""Reading an address book (vCard 2.1, 3.0 or 4.0: one card or many) as new contacts.

The file is bounded before it is read (docs/security.md): its size, its lines (counted in
C), the length of a property once unfolded, the properties of a card and the number of
cards; a compressed or binary file is refused by its first bytes. Each card is then checked
with the same rules as a contact typed into Rapport, and every problem is tied to the line
where its card begins ("row N: field").

vobject reads these files too (the tests read our export back with it), but it spends about
0.3 ms a card and seconds on one long line, which the 10,000-card budget cannot afford; the
grammar an address book needs is this small.
"""

from __future__ import annotations

import codecs
import quopri
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from pydantic import TypeAdapter, ValidationError

from app.contacts.normalise import normalise_linkedin, normalise_phone, plain_email
from app.contacts.schemas import ContactCreate
from app.errors import FieldError, Invalid
from app.exchange.filelimits import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, check_size
from app.exchange.schemas import NewContact
from app.organizations.schemas import OrganizationName
from app.textlimits import check_lines
from app.validation import label

MAX_CARDS = MAX_IMPORT_ROWS
# A phone's export folds a photo into lines of 75: a 5 MB file of them is 70,000 lines.
MAX_LINES = 200_000
# An unfolded property a contact is made of; PHOTO and the like (skipped) may be any length.
MAX_PROPERTY_CHARS = 16_384
# What is kept of a longer FN or N line: enough to show which card it is (a preview cuts an
# invalid row's name to 200 characters), never the whole line.
_LONG_NAME_CHARS = 1_000
MAX_PROPERTIES = 100
# First bytes of files that are not text: an archive is refused before it could be expanded.
SIGNATURES = {
    b"PK\x03\x04": "a zip archive",
    b"\x1f\x8b": "a gzip archive",
    b"BZh": "a bzip2 archive",
    b"\xfd7zXZ": "an xz archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"%PDF": "a PDF document",
}
# A property's name as written: what comes before the first ; or : (within 200 characters).
_RAW_NAME = re.compile(r"[^;:]*")
_NAME_CHARS = 200
_BEGIN = re.compile(r"^BEGIN:VCARD", re.IGNORECASE | re.MULTILINE)
# NAME;PARAM=VALUE up to the first colon outside double quotes (a quoted value may hold one).
# Possessive quantifiers: no backtracking, so the work is linear whatever the line holds.
_HEAD = re.compile(r'(?:[^":]++|"[^"]*+")*+(?=:)')
_SEGMENTS = re.compile(r'((?:[^";]++|"[^"]*+")*+)(?:;|$)')
_VALUES = re.compile(r'(?:[^",]++|"[^"]*+")++')
_COMPONENT = re.compile(r"(?<!\\);")
# The properties a contact is made of; the others are skipped before they are parsed.
_USED = frozenset(
    {
        "FN",
        "N",
        "NOTE",
        "EMAIL",
        "TEL",
        "ORG",
        "TITLE",
        "URL",
        "X-SOCIALPROFILE",
        "ADR",
        "CATEGORIES",
    }
)
# A file this broken is not an address book: stop reading, and report what was found.
MAX_PROBLEMS = 1000
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)
_LIST_SEPARATOR = re.compile(r"(?<!\\),")
_ESCAPED = {"n": "\n", "N": "\n"}
_organization_name: TypeAdapter[str] = TypeAdapter(OrganizationName)


@dataclass
class Property:
    """One content line: NAME;PARAM=VALUE:value, its value still escaped."""

    name: str
    params: Mapping[str, Sequence[str]]
    value: str

    def types(self) -> set[str]:
        return {t.casefold() for t in self.params.get("TYPE", [])}

    def rank(self) -> int:
        """Preference, lowest first: vCard 4's PREF=1..100, vCard 3's TYPE=pref, then none."""
        for pref in self.params.get("PREF", []):
            if pref.isdigit():
                return int(pref)
        return 1 if "pref" in self.types() else 101


@dataclass
class Card:
    """A card's properties by name, and the line where it begins."""

    line: int
    properties: dict[str, list[Property]] = field(default_factory=dict)
    count: int = 0
    overflow: bool = False  # more properties than MAX_PROPERTIES (reported once)
    # Used properties longer than MAX_PROPERTY_CHARS, by name: the card is refused for them
    # (its own row, never imported without them). A long FN or N keeps the property its
    # first characters make, to name the refused card; the others keep nothing. None, not an
    # empty dict, on nearly every card: nothing allocated per card.
    too_long: dict[str, Property | None] | None = None

    def add(self, prop: Property) -> None:
        self.properties.setdefault(prop.name, []).append(prop)
        self.count += 1

    def all(self, name: str) -> list[Property]:
        return self.properties.get(name, [])


@dataclass
class Parsed:
    """The cards that passed, the problems of those that did not (and the name each of those
    gives, by line), and the count read."""

    rows: list[NewContact] = field(default_factory=list)
    problems: list[FieldError] = field(default_factory=list)
    read: int = 0
    # What a refused row is called, so a preview can show which row it is: its name as the
    # file writes it (unchecked, it may be why the row is refused), by the row's line.
    names: dict[int, str] = field(default_factory=dict)

    def refused_row(self, line: int, full_name: str) -> None:
        """Remember the name of ``line``, a row with problems (nothing when it has none)."""
        if full_name:
            self.names[line] = full_name

    def problem(self, line: int, field_name: str, message: str) -> None:
        self.problems.append(FieldError(f"row {line}: {field_name}", message))

    def checked_contact(
        self, line: int, values: dict[str, Any], source: Mapping[str, str]
    ) -> ContactCreate | None:
        """``values`` checked as a contact typed into Rapport is, or None with each refusal a
        problem of ``line`` that starts with where the file holds the field (``source``)."""
        try:
            return ContactCreate.model_validate(values)
        except ValidationError as exc:
            for err in exc.errors():
                name = str(err["loc"][0]) if err.get("loc") else "row"
                message = str(err.get("msg", "Invalid value")).removeprefix("Value error, ")
                self.problem(line, name, f"{source.get(name, name)}: {message}")
            return None

    def check_organization(self, line: int, organization: str | None, source: str) -> None:
        """A problem of ``line`` when ``organization`` (as the file's ``source`` holds it)
        cannot be an organization's name."""
        if organization is not None:
            refusal = organization_refusal(organization)
            if refusal is not None:
                self.problem(line, "organization", f"{source}: {refusal}")


def vcard_value(value: str, *, structured: bool = False) -> str:
    """Plain text as a property value (what the card checker unescapes): for other formats'
    rows read as cards (Google's CSV, any spreadsheet)."""
    value = value.replace("\\", "\\\\")
    return value.replace(";", "\\;") if structured else value


# ---- bytes to text ----------------------------------------------------------------------


def decode(payload: str | bytes) -> str:
    """The file as text (UTF-8 with or without a BOM, UTF-16 with one, else Windows-1252)."""
    if isinstance(payload, str):
        check_size(payload)
        text = payload.removeprefix("\ufeff")
    else:
        check_size(payload)
        for signature, kind in SIGNATURES.items():
            if payload.startswith(signature):
                raise Invalid.one("file", f"This is {kind}, not a vCard file; extract it first.")
        text = _text(payload)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise Invalid.one(f"row {line}: file", "This line has a NUL character; not a vCard file.")
    if not text.strip():
        raise Invalid.one("file", "The file is empty.")
    if not text.lstrip()[:11].upper() == "BEGIN:VCARD":
        raise Invalid.one("file", "Not a vCard file: it does not start with BEGIN:VCARD.")
    return text


def _text(payload: bytes) -> str:
    if payload.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return payload.decode("utf-16")
        except UnicodeDecodeError:
            raise Invalid.one("file", "The file claims UTF-16 but is not.") from None
    try:
        return payload.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Old phones and Outlook write vCard 2.1 in the Windows code page.
        return payload.decode("cp1252", errors="replace")


# ---- text to cards ----------------------------------------------------------------------


def _check_shape(text: str) -> str:
    """The text with CRLF and CR as LF, or Invalid when it has too many lines."""
    broken = check_lines(text, max_lines=MAX_LINES, max_line_chars=MAX_IMPORT_BYTES)
    if broken is not None:
        raise Invalid.one(
            "file",
            f"The file has more than {MAX_LINES:,} lines; split it into smaller files.",
        )
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    # Counted in C too: past the limit, no card is read at all.
    if len(_BEGIN.findall(normalised)) > MAX_CARDS:
        raise Invalid.one(
            "file", f"The file has more than {MAX_CARDS:,} cards; split it into smaller files."
        )
    return normalised


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first physical line, content line): folds joined, and vCard 2.1's soft line breaks."""
    start, pieces, soft = 0, [""], False
    # Pieces are joined once per content line: adding to a string per fold is quadratic.
    for number, chunk in enumerate(text.split("\n"), start=1):
        if start and chunk[:1] in (" ", "\t"):  # a fold: newline and one space or tab removed
            pieces.append(chunk[1:])
            continue
        if start and soft and pieces[-1].endswith("="):  # quoted-printable's soft break
            pieces[-1] = pieces[-1][:-1]
            pieces.append(chunk)
            continue
        if start:
            yield start, "".join(pieces)
        start, pieces = number, [chunk]
        # No hyphen, no QUOTED-PRINTABLE: most lines are cleared without an upper-case copy.
        soft = "-" in chunk and "QUOTED-PRINTABLE" in chunk.partition(":")[0].upper()
    if start:
        yield start, "".join(pieces)


def _property(line: str) -> Property | None:
    """One content line, or None when it has no NAME: part."""
    colon = line.find(":")
    if colon < 0:
        return None
    head = line[:colon]
    if '"' in head:  # a quoted parameter value may hold a colon, ; or ,
        match = _HEAD.match(line)
        if match is None:
            return None
        head, value = match.group(), line[match.end() + 1 :]
    else:
        value = line[colon + 1 :]
    name, params = _known_head(head) if len(head) <= _SHORT_HEAD else _head(head)
    return Property(name=name, params=params, value=value) if name else None


def _head(head: str) -> tuple[str, Mapping[str, Sequence[str]]]:
    """NAME;PARAM=VALUE,VALUE;... as the name and its parameters (read-only: see below)."""
    if '"' in head:
        name, *parts = _SEGMENTS.findall(head)[:-1] if ";" in head else [head]
    else:  # the usual head: the same split without a regex (an empty part is skipped below)
        name, *parts = head.split(";")
    params: dict[str, list[str]] = {}
    for part in parts:
        key, has_value, values = part.partition("=")
        key = key.strip().upper()
        if has_value:
            found = _VALUES.findall(values) if '"' in values else values.split(",")
            params.setdefault(key, []).extend(v.strip().strip('"') for v in found)
        elif key in ("QUOTED-PRINTABLE", "BASE64", "B", "8BIT"):
            params.setdefault("ENCODING", []).append(key)
        elif key:  # vCard 2.1's bare types: TEL;CELL;PREF
            params.setdefault("TYPE", []).append(key)
    frozen = {key: tuple(values) for key, values in params.items()}
    return _property_name(name), MappingProxyType(frozen)


def _property_name(written: str) -> str:
    """A name as written ("item1.email") as the reader knows it ("EMAIL")."""
    return written.rsplit(".", 1)[-1].strip().upper()


# A file writes the same few heads ("EMAIL;TYPE=INTERNET,pref", "FN") on every card: each is
# read once and its result shared (so read-only), short ones only, so memory stays small.
_SHORT_HEAD = 200
_known_head = lru_cache(maxsize=1024)(_head)
_known_name = lru_cache(maxsize=1024)(_property_name)


def _cards(text: str, parsed: Parsed) -> Iterator[Card]:
    """Each card as soon as it is closed (checked and dropped before the next is read, so a
    large file never holds all its cards at once); the file's own problems go to ``parsed``."""
    cards = 0
    card: Card | None = None
    problems = parsed.problems
    for number, line in _logical_lines(_check_shape(text)):
        if len(problems) >= MAX_PROBLEMS:
            parsed.problem(number, "file", "Too many problems; the rest of the file was not read.")
            return
        if not line or line.isspace():
            continue
        # The usual line, a short unquoted head then a colon: the head is read once per file
        # (remembered), and its name is the one the long way below finds.
        colon = line.find(":")
        if 0 <= colon <= _NAME_CHARS and '"' not in (head := line[:colon]):
            name, params = _known_head(head)
        else:
            name = _known_name(_RAW_NAME.match(line, 0, _NAME_CHARS).group())  # type: ignore[union-attr]
            params = None
        if name == "BEGIN" or name == "END":  # only such a line may open or close a card
            upper = line[:12].upper()
            if upper.startswith("BEGIN:VCARD"):
                if card is not None:
                    parsed.problem(card.line, "file", "A card is not closed with END:VCARD.")
                card = Card(line=number)
                if cards >= MAX_CARDS:
                    raise Invalid.one(
                        "file",
                        f"The file has more than {MAX_CARDS:,} cards; split it into smaller files.",
                    )
                continue
            if upper.startswith("END:VCARD"):
                if card is None:
                    parsed.problem(number, "file", "END:VCARD without BEGIN:VCARD.")
                else:
                    cards += 1
                    yield card
                card = None
                continue
        if card is None:
            parsed.problem(number, "file", "A line outside any card (BEGIN:VCARD ... END:VCARD).")
            continue
        if card.overflow:  # already refused: its other lines cost nothing more
            continue
        if name not in _USED:  # PHOTO, BDAY, VERSION, X-... and the like: not read at all
            continue
        if len(line) > MAX_PROPERTY_CHARS:
            # Measured before the line is parsed: a long line costs nothing more to refuse. Its
            # card is the invalid row (check_card), not a row of its own without a name.
            if card.too_long is None:
                card.too_long = {}
            if name not in card.too_long:
                head = _property(line[:_LONG_NAME_CHARS]) if name in ("FN", "N") else None
                card.too_long[name] = head
            continue
        if card.count >= MAX_PROPERTIES:
            if not card.overflow:
                card.overflow = True
                parsed.problem(
                    card.line, "file", f"More than {MAX_PROPERTIES} emails, phones, notes..."
                )
            continue
        prop = _property(line) if params is None else Property(name, params, line[colon + 1 :])
        if prop is None:
            parsed.problem(number, "file", "Not a vCard property (NAME:value).")
        else:
            card.add(prop)
    if card is not None:
        parsed.problem(card.line, "file", "The last card is not closed with END:VCARD.")


# ---- cards to contacts ------------------------------------------------------------------

# The property a contact field came from: messages start with it, to point at what to fix.
_SOURCE = {
    "full_name": "FN",
    "title": "TITLE",
    "email": "EMAIL",
    "notes": "NOTE",
    "location": "ADR",
    "tags": "CATEGORIES",
}
# The contact field each used property fills, whose label names a property too long to read
# (a URL or social profile is a LinkedIn profile or a website in the notes).
_FIELD = {
    "FN": "full_name",
    "N": "full_name",
    "NOTE": "notes",
    "EMAIL": "email",
    "TEL": "phone",
    "ORG": "organization",
    "TITLE": "title",
    "URL": "website",
    "X-SOCIALPROFILE": "website",
    "ADR": "location",
    "CATEGORIES": "tags",
}


def parse(text: str, *, phone_region: str) -> Parsed:
    """Every card of the file, checked as a contact."""
    parsed = Parsed()
    # The file's problems apart from the cards': MAX_PROBLEMS counts the file's alone.
    read = Parsed()
    for card in _cards(text, read):
        parsed.read += 1
        row = check_card(parsed, card, phone_region)
        if row is not None:
            parsed.rows.append(row)
    parsed.problems[:0] = read.problems
    parsed.problems.sort(key=_problem_line)
    return parsed


def _problem_line(problem: FieldError) -> int:
    where = problem.field.partition(":")[0].removeprefix("row ")
    return int(where) if where.isdigit() else 0


def _value(parsed: Parsed, card: Card, prop: Property) -> str | None:
    """A property's text: quoted-printable and its charset decoded; None when unreadable."""
    value = prop.value
    if "ENCODING" not in prop.params:  # nearly every property: nothing to decode
        return value
    encodings = {e.upper() for e in prop.params.get("ENCODING", [])}
    if encodings & {"B", "BASE64"}:
        return None  # binary data in a text property: nothing a contact can hold
    if "QUOTED-PRINTABLE" in encodings:
        raw = quopri.decodestring(value.encode("latin-1", errors="replace"))
        charset = (prop.params.get("CHARSET") or ["utf-8"])[0]
        try:
            value = raw.decode(charset).replace("\r\n", "\n")
        except LookupError:
            parsed.problem(card.line, prop.name.lower(), f"Unknown CHARSET {charset[:40]!r}.")
            return None
        except UnicodeDecodeError:
            parsed.problem(card.line, prop.name.lower(), f"The text is not {charset[:40]}.")
            return None
    return value


def _unescape(value: str) -> str:
    if "\\" not in value:
        return value.strip()
    return _UNESCAPE.sub(lambda m: _ESCAPED.get(m.group(1), m.group(1)), value).strip()


def _components(value: str, count: int) -> list[str]:
    """A structured value (N, ORG, ADR): its first ``count`` parts, split on unescaped ;."""
    parts = _COMPONENT.split(value, maxsplit=count - 1)
    return [_unescape(part) for part in parts] + [""] * (count - len(parts))


def _texts(parsed: Parsed, card: Card, name: str) -> list[str]:
    """The values of every ``name`` property, most preferred first, blanks left out."""
    props = card.properties.get(name)
    if not props:
        return []
    if len(props) == 1:  # the usual card: the same steps without the generators
        value = _value(parsed, card, props[0])
        text = _unescape(value) if value is not None else ""
        return [text] if text else []
    values = (_value(parsed, card, prop) for prop in sorted(props, key=Property.rank))
    return [text for text in (_unescape(v) for v in values if v is not None) if text]


def _categories(parsed: Parsed, card: Card) -> list[str]:
    """CATEGORIES as tags: a comma-separated list in one or several properties."""
    tags: list[str] = []
    for prop in card.all("CATEGORIES"):
        value = _value(parsed, card, prop)
        if value is not None:
            tags.extend(t for t in (_unescape(p) for p in _LIST_SEPARATOR.split(value)) if t)
    return tags


@lru_cache(maxsize=4096)
def organization_refusal(name: str) -> str | None:
    """Why ``name`` cannot be an organization's (its schema's rule), or None; remembered,
    as a file names the same few organizations on many rows."""
    try:
        _organization_name.validate_python(name)
    except ValidationError as exc:
        return str(exc.errors()[0].get("msg", "Invalid value"))
    return None


def _full_name(parsed: Parsed, card: Card) -> str:
    for text in _texts(parsed, card, "FN"):
        return " ".join(text.split())
    for prop in card.all("N"):
        value = _value(parsed, card, prop)
        if value is None:
            continue
        family, given, additional = _components(value, 4)[:3]
        name = " ".join(f"{given} {additional} {family}".split())
        if name:
            return name
    return ""


def _cut_name(card: Card) -> str:
    """The name the first characters of a card's too long FN or N make (cut, so marked
    with an ellipsis), or "" when there is none: only to show which refused card it is."""
    heads = {name: [prop] for name, prop in (card.too_long or {}).items() if prop is not None}
    # Its own Parsed: a cut value that does not decode is no problem of the card's.
    name = _full_name(Parsed(), Card(line=card.line, properties=heads))
    return f"{name}…" if name else ""


def _linkedin(urls: list[str], notes: list[str]) -> tuple[str | None, str | None]:
    """The first URL that is a LinkedIn profile, normalised; the others go to the notes."""
    found: tuple[str | None, str | None] = (None, None)
    for url in urls:
        if found[0] is None and "linkedin.com" in url.casefold():
            try:
                found = normalise_linkedin(url)
                continue
            except Invalid:
                pass
        notes.append(f"Website: {url}")
    return found


def check_card(
    parsed: Parsed,
    card: Card,
    phone_region: str,
    *,
    nameless: str = "FN and N are empty",
    source: Mapping[str, str] = MappingProxyType({}),
) -> NewContact | None:
    """One card as a contact, or None after recording its problems (also Google rows' and
    spreadsheet rows' cards); ``source`` names where the file holds a field, for a problem's
    words, where that is not the card's property (a spreadsheet's column)."""
    before = len(parsed.problems)
    line = card.line
    too_long = card.too_long
    if too_long:
        for refused in dict.fromkeys(_FIELD[name] for name in too_long):
            message = f"{label(refused)}: longer than {MAX_PROPERTY_CHARS:,} characters."
            parsed.problem(line, refused, message)
    full_name = _full_name(parsed, card)
    # What the row is called when refused: its name, else the start of a name too long to
    # read (refused above, so not checked again as the contact's name).
    shown_name = full_name
    if not full_name:
        if too_long and ("FN" in too_long or "N" in too_long):
            shown_name = _cut_name(card)
        else:
            parsed.problem(line, "full_name", f"A name is needed: {nameless}.")
    notes = _texts(parsed, card, "NOTE")
    emails = _texts(parsed, card, "EMAIL")
    if len(emails) > 1:
        notes.append(f"Other emails: {', '.join(emails[1:])}")
    phone = None
    phones = [text.removeprefix("tel:") for text in _texts(parsed, card, "TEL")]
    if phones:
        try:
            phone = normalise_phone(phones[0], phone_region)
        except Invalid:
            # An address book holds local numbers; kept as written rather than refused.
            notes.append(f"Phone: {phones[0]}")
    if len(phones) > 1:
        notes.append(f"Other phones: {', '.join(phones[1:])}")
    organization = None
    for prop in card.all("ORG"):
        value = _value(parsed, card, prop)
        if value is not None and organization is None:
            # ORG is the organization, then its units (department, team...).
            name, *units = [part for part in _components(value, 4) if part] or [""]
            organization = " ".join(name.split()) or None
            if units:
                notes.append(f"Department: {', '.join(units)}")
    urls = _texts(parsed, card, "URL") + _texts(parsed, card, "X-SOCIALPROFILE")
    linkedin_url, linkedin_key = _linkedin(urls, notes)
    location = ""
    for prop in sorted(card.all("ADR"), key=Property.rank)[:1]:
        value = _value(parsed, card, prop)
        if value is not None:
            # ADR: post office box, extended, street, city, region, postal code, country.
            parts = _components(value, 7)[3:7]
            location = ", ".join(part for i, part in enumerate(parts) if part and i != 2)
    values: dict[str, Any] = {
        "full_name": full_name or "-",
        "title": next(iter(_texts(parsed, card, "TITLE")), ""),
        "notes": "\n".join(notes),
        "location": location,
    }
    # A plain address is checked here, far faster; any other goes through the schema.
    email = plain_email(emails[0]) if emails else None
    if emails and email is None:
        values["email"] = emails[0]
    tags = _categories(parsed, card)
    if tags:
        values["tags"] = tags
    contact = parsed.checked_contact(line, values, {**_SOURCE, **source})
    parsed.check_organization(line, organization, source.get("organization", "ORG"))
    if contact is None or len(parsed.problems) > before:
        parsed.refused_row(line, shown_name)
        return None
    return NewContact(
        line=line,
        full_name=contact.full_name,
        title=contact.title or "",
        email=email or contact.email,
        phone=phone,
        linkedin_url=linkedin_url,
        linkedin_key=linkedin_key,
        organization=organization,
        location=contact.location or "",
        notes=contact.notes or "",
        tags=list(contact.tags or []),
    )
