"""Any CSV of contacts: encodings, delimiters, quoted newlines, headers guessed and mapped."""

from __future__ import annotations

import codecs

import pytest

from app.errors import Invalid, PayloadTooLarge
from app.exchange.contactfile import detect_format, read_contact_file
from app.exchange.spreadsheet.columns import guess_mapping

REGION = "US"


def read(raw: bytes, **options: object):  # type: ignore[no-untyped-def]
    return read_contact_file(raw, phone_region=REGION, **options)  # type: ignore[arg-type]


SHEET = (
    "Full Name;E-mail;Firma;Position;Telefon;Notes;Tags\n"
    'Zoë Müller;zoe@example.de;Bäckerei AG;Chef;+49 30 1234567;"Met at the fair,\nlikes bread";'
    "baking, berlin\n"
    "Jean Dupont;jean@example.fr;Société X;;;;\n"
)


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (SHEET.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + SHEET.encode("utf-8"), "utf-8-sig"),
        (SHEET.encode("utf-16"), "utf-16"),  # with its BOM, as spreadsheets save "Unicode"
        (SHEET.encode("utf-16-be").join([codecs.BOM_UTF16_BE, b""]), "utf-16"),
        (SHEET.encode("cp1252"), "cp1252"),
    ],
)
def test_encodings_are_detected_and_read_alike(encoded: bytes, encoding: str) -> None:
    read_file = read(encoded)

    assert (read_file.format, read_file.encoding, read_file.delimiter) == ("csv", encoding, ";")
    zoe, jean = read_file.rows
    assert (zoe.full_name, zoe.email, zoe.organization, zoe.title) == (
        "Zoë Müller",
        "zoe@example.de",
        "Bäckerei AG",
        "Chef",
    )
    assert zoe.phone == "+49301234567"
    assert zoe.notes == "Met at the fair,\nlikes bread"  # a quoted newline stays in its cell
    assert zoe.tags == ["baking", "berlin"]
    assert (jean.line, jean.organization) == (4, "Société X")  # line 2 held two lines


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters_are_detected(delimiter: str) -> None:
    text = delimiter.join(["Name", "Email", "Company"]) + "\n"
    text += delimiter.join(["Ada Lovelace", "ada@example.org", '"Engines, Ltd"']) + "\n"

    read_file = read(text.encode())

    assert read_file.delimiter == delimiter
    assert read_file.rows[0].organization == ("Engines, Ltd")


def test_headers_are_guessed_across_case_accents_and_languages() -> None:
    columns = ["PRÉNOM", "Nom", "Courriel", "Unternehmen", "Rolle", "LinkedIn profile", "Remarks"]
    assert guess_mapping(columns) == {
        "first_name": "PRÉNOM",
        "last_name": "Nom",
        "email": "Courriel",
        "organization": "Unternehmen",
        "linkedin_url": "LinkedIn profile",
        "notes": "Remarks",
    }
    assert guess_mapping(["E-Mail", "Company", "Job Title", "Mobile Phone"]) == {
        "email": "E-Mail",
        "organization": "Company",
        "title": "Job Title",
        "phone": "Mobile Phone",
    }


def test_mapping_overrides_the_guess_and_unmaps() -> None:
    text = (
        "Person,Work mail,Private mail,Company\nAda Lovelace,ada@work.example,ada@home.example,AE\n"
    )

    guessed = read(text.encode())
    assert guessed.mapping == {"name": "Person", "organization": "Company"}
    assert guessed.rows[0].email is None

    mapped = read(text.encode(), mapping={"email": "private MAIL", "organization": None})
    assert mapped.mapping == {"name": "Person", "email": "Private mail"}
    assert (mapped.rows[0].email, mapped.rows[0].organization) == ("ada@home.example", None)


def test_unusable_mapping_names_the_field() -> None:
    text = b"Who,What\nAda,Engines\n"
    with pytest.raises(Invalid) as refused:
        read(text)
    assert refused.value.errors[0].field == "mapping.name"

    with pytest.raises(Invalid) as unknown:
        read(text, mapping={"name": "Who", "email": "Nope", "shoe_size": "What"})
    fields = {e.field for e in unknown.value.errors}
    assert fields == {"mapping.email", "mapping.shoe_size"}

    assert read(text, mapping={"name": "Who"}).rows[0].full_name == "Ada"


def test_formula_cells_are_kept_as_text() -> None:
    text = "Name,Company,Notes\n=HYPERLINK(\"http://x\"),+cmd|' /C calc'!A0,@SUM(1+1)\n"
    (row,) = read(text.encode()).rows
    assert row.full_name == '=HYPERLINK("http://x")'
    assert row.organization == "+cmd|' /C calc'!A0"
    assert row.notes == "@SUM(1+1)"


def test_invalid_rows_are_reported_by_line_and_the_rest_read() -> None:
    text = "Name,Email\nAda,ada@example.org\n,nobody@example.org\nBob,not-an-email\n"
    read_file = read(text.encode())
    assert [r.full_name for r in read_file.rows] == ["Ada"]
    assert sorted(read_file.invalid) == [3, 4]
    assert "name" in read_file.invalid[3][0].casefold()


def test_formats_are_told_apart_by_content() -> None:
    assert detect_format("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nEND:VCARD\r\n") == "vcard"
    linkedin = (
        'Notes:\n"x"\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\n'
    )
    assert detect_format(linkedin) == "linkedin"
    assert detect_format("Name,Given Name,Family Name,E-mail 1 - Value\n") == "google"
    assert (
        detect_format("First Name,Last Name,E-mail 1 - Value,Organization 1 - Name\n") == "google"
    )
    assert detect_format("Name;Email\n") == "csv"


def test_hostile_files_are_refused_before_parsing() -> None:
    with pytest.raises(PayloadTooLarge):
        read(b"a" * (5 * 1024 * 1024 + 1))
    with pytest.raises(Invalid, match="zip archive"):
        read(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(Invalid, match="not a text file"):
        read(bytes(range(256)) * 40)  # binary named .csv
    with pytest.raises(Invalid, match="longer than"):
        read(b"Name,Notes\nAda," + b"x" * 70_000 + b"\n")
    with pytest.raises(Invalid, match="more than"):
        read(b"Name\n" + b"a\n" * 20_001)
