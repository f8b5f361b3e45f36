"""The contact fields a spreadsheet's columns can be mapped to, and the guess from headers."""

from __future__ import annotations

import unicodedata
from typing import Literal, get_args

from app.errors import FieldError, Invalid

Field = Literal[
    "name",
    "first_name",
    "last_name",
    "email",
    "organization",
    "title",
    "phone",
    "linkedin_url",
    "tags",
    "notes",
]
FIELDS: tuple[str, ...] = get_args(Field)
FIELD_LABELS: dict[str, str] = {
    "name": "Name",
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "organization": "Organization",
    "title": "Title",
    "phone": "Phone",
    "linkedin_url": "LinkedIn URL",
    "tags": "Tags",
    "notes": "Notes",
}
# Header words (accents, case, spaces and punctuation ignored) in English, French, German
# and Spanish, as people title their own columns.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": (
        "name",
        "fullname",
        "displayname",
        "contact",
        "contactname",
        "person",
        "nomcomplet",
        "nombrecompleto",
        "vollername",
    ),
    "first_name": ("firstname", "givenname", "first", "forename", "prenom", "vorname", "nombre"),
    "last_name": (
        "lastname",
        "surname",
        "familyname",
        "last",
        "nom",
        "nomdefamille",
        "nachname",
        "familienname",
        "apellido",
        "apellidos",
    ),
    "email": (
        "email",
        "emailaddress",
        "mail",
        "emailadresse",
        "courriel",
        "adressemail",
        "correo",
        "correoelectronico",
        "primaryemail",
    ),
    "organization": (
        "organization",
        "organisation",
        "company",
        "companyname",
        "employer",
        "firma",
        "unternehmen",
        "arbeitgeber",
        "entreprise",
        "societe",
        "employeur",
        "empresa",
        "org",
    ),
    "title": (
        "title",
        "jobtitle",
        "position",
        "role",
        "job",
        "poste",
        "titre",
        "fonction",
        "beruf",
        "stelle",
        "cargo",
        "puesto",
    ),
    "phone": (
        "phone",
        "phonenumber",
        "telephone",
        "tel",
        "mobile",
        "cell",
        "cellphone",
        "mobilephone",
        "telefon",
        "telefonnummer",
        "handy",
        "portable",
        "telefono",
        "movil",
    ),
    "linkedin_url": ("linkedin", "linkedinurl", "linkedinprofile", "profileurl", "profile"),
    "tags": (
        "tags",
        "tag",
        "labels",
        "label",
        "groups",
        "group",
        "categories",
        "category",
        "etiquettes",
        "schlagworte",
        "etiquetas",
    ),
    "notes": (
        "notes",
        "note",
        "comments",
        "comment",
        "remarks",
        "bemerkungen",
        "notizen",
        "remarques",
        "commentaire",
        "commentaires",
        "notas",
    ),
}
_BY_WORD = {word: name for name, words in _SYNONYMS.items() for word in words}


def header_key(header: str) -> str:
    """A header cell reduced to its letters and digits, accents and case removed."""
    decomposed = unicodedata.normalize("NFKD", header.replace("\ufeff", ""))
    return "".join(c for c in decomposed if c.isalnum()).casefold()


def guess_mapping(columns: list[str]) -> dict[str, str]:
    """field -> column, from the header's words; the first column of a field wins."""
    mapping: dict[str, str] = {}
    for column in columns:
        key = header_key(column)
        field = _BY_WORD.get(key) or ("linkedin_url" if "linkedin" in key else None)
        if field is not None and field not in mapping:
            mapping[field] = column
    return mapping


def resolve_mapping(
    columns: list[str], override: dict[str, str | None] | None
) -> tuple[dict[str, str], dict[str, int]]:
    """The mapping (guessed, then ``override``: a blank column unmaps a field) with each
    field's column index; Invalid naming ``mapping.<field>`` for an unknown field or column."""
    mapping = guess_mapping(columns)
    problems: list[FieldError] = []
    index_of: dict[str, int] = {}
    for position, column in enumerate(columns):
        index_of.setdefault(column.strip().casefold(), position)
    for field, column in (override or {}).items():
        if field not in FIELDS:
            problems.append(
                FieldError(
                    f"mapping.{field}", f"Not a contact field; use one of {', '.join(FIELDS)}."
                )
            )
        elif not column or not column.strip():
            mapping.pop(field, None)
        elif column.strip().casefold() not in index_of:
            problems.append(
                FieldError(f"mapping.{field}", f"The file has no column named {column[:80]!r}.")
            )
        else:
            mapping[field] = columns[index_of[column.strip().casefold()]]
    if not problems and not {"name", "first_name", "last_name"} & mapping.keys():
        problems.append(
            FieldError(
                "mapping.name",
                "No column holds the name: map Name (or First name and Last name) to a column.",
            )
        )
    mapping = {field: mapping[field] for field in FIELDS if field in mapping}  # a stable order
    if problems:
        raise Invalid(
            detail=problems[0].message, errors=problems, title="The column mapping is not usable"
        )
    return mapping, {
        field: index_of[column.strip().casefold()] for field, column in mapping.items()
    }
