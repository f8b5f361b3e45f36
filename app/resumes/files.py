"""What an uploaded resume is, judged by its bytes, and the names it is stored and sent under."""

from __future__ import annotations

import io
import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import quote

from app.errors import Invalid, PayloadTooLarge, UnsupportedMediaType

MAX_RESUME_BYTES = 5 * 1024 * 1024
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT = "text/plain; charset=utf-8"
MARKDOWN = "text/markdown; charset=utf-8"
# The media types a stored resume can have, with the extension its file name must end with.
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx", TEXT: ".txt", MARKDOWN: ".md"}
_MARKDOWN_SUFFIXES = (".md", ".markdown")
# A real resume has a few dozen parts; a zip listing thousands is not one (and is costly).
_MAX_ZIP_ENTRIES = 2000
_MAX_DIRECTORY_BYTES = 1024 * 1024
_MAX_CONTENT_TYPES_BYTES = 256 * 1024
_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_DOCX_MAIN = b"wordprocessingml.document.main+xml"
_REFUSED = (
    "Upload a PDF, a Word document (.docx), or a plain text or Markdown file; "
    "this file is none of those."
)


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed: its bytes, the type they are, and the name to keep."""

    content: bytes
    content_type: str
    file_name: str


def check_upload(content: bytes, file_name: str) -> CheckedFile:
    """The upload's type by content (415 when none fits), size (413) and emptiness (422)."""
    if len(content) > MAX_RESUME_BYTES:
        raise PayloadTooLarge(detail=f"A resume may be at most {MAX_RESUME_BYTES // 2**20} MB.")
    if not content:
        raise Invalid.one("file", "The file is empty.")
    content_type = sniff(content, file_name)
    if content_type is None:
        raise UnsupportedMediaType(detail=_REFUSED)
    return CheckedFile(content, content_type, stored_name(file_name, content_type))


def sniff(content: bytes, file_name: str = "") -> str | None:
    """The media type the bytes are (PDF, DOCX, UTF-8 text), or None; never by name alone."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"PK\x03\x04"):
        return DOCX if _is_docx(content) else None
    if _is_text(content):
        # Text is text; only the name can tell Markdown from plain.
        markdown = file_name.lower().endswith(_MARKDOWN_SUFFIXES)
        return MARKDOWN if markdown else TEXT
    return None


def _is_text(content: bytes) -> bool:
    if b"\x00" in content:
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _central_directory(content: bytes) -> tuple[int, int] | None:
    """(entries, size in bytes) of the archive's central directory, as its end record says.

    Read before zipfile parses anything: zipfile walks the whole directory whatever the
    count claims, so both are bounded first."""
    # The record sits at the end, after a comment of at most 65,535 bytes.
    at = content.rfind(_EOCD, max(0, len(content) - _EOCD_SIZE - 0xFFFF))
    if at < 0 or len(content) - at < _EOCD_SIZE:
        return None
    entries, size = struct.unpack_from("<HI", content, at + 10)
    return entries, size


def _is_docx(content: bytes) -> bool:
    directory = _central_directory(content)
    # 0xFFFF entries means a ZIP64 archive: far beyond any resume.
    if directory is None:
        return False
    entries, size = directory
    if not 2 <= entries <= _MAX_ZIP_ENTRIES or size > _MAX_DIRECTORY_BYTES:
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if not {"[Content_Types].xml", "word/document.xml"} <= names:
                return False
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > _MAX_CONTENT_TYPES_BYTES or info.flag_bits & 0x1:
                return False
            # Bounded read: only this small part is decompressed, never the whole archive.
            with archive.open(info) as part:
                types = part.read(_MAX_CONTENT_TYPES_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, ValueError):
        return False
    # A macro-enabled document (.docm) declares another main part; only plain .docx passes.
    return len(types) <= _MAX_CONTENT_TYPES_BYTES and _DOCX_MAIN in types


_UNSAFE_CHARS = re.compile(r'["\\/<>:|?*]')


def clean_file_name(file_name: str) -> str:
    """The base name without directories, control or format characters, quotes, or the
    characters Windows refuses in names."""
    base = re.split(r"[\\/]", file_name)[-1]
    kept = "".join(
        ch for ch in base if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    kept = _UNSAFE_CHARS.sub("", kept).strip().strip(".").strip()
    return kept[:200]


def stored_name(file_name: str, content_type: str) -> str:
    """A clean name that ends with the extension of the type the bytes really are."""
    extension = EXTENSIONS[content_type]
    name = clean_file_name(file_name) or "resume"
    suffix = PurePosixPath(name).suffix.lower()
    if content_type == MARKDOWN and suffix in _MARKDOWN_SUFFIXES:
        return name
    if suffix == extension:
        return name
    return f"{name}{extension}"


def content_disposition(file_name: str) -> str:
    """``attachment`` with an ASCII ``filename`` and the exact UTF-8 ``filename*`` (RFC 6266)."""
    safe = clean_file_name(file_name) or "resume"
    fallback = "".join(ch if 32 <= ord(ch) < 127 else "_" for ch in safe)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(safe, safe='')}"


def download_headers(file_name: str) -> dict[str, str]:
    """Headers of a stored version's download: an attachment, never sniffed into HTML."""
    return {
        "Content-Disposition": content_disposition(file_name),
        "X-Content-Type-Options": "nosniff",
    }
