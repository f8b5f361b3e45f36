"""Fixtures for the resume tests: files of each kind (and impostors), contacts, uploads."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import ApiClient

URL = "/api/v1/resumes"
PROBLEM = "application/problem+json"
PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
# The start of a Windows executable: "MZ", then the DOS header with its NUL bytes.
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
DOCX_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Override PartName="/word/document.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def zip_bytes(parts: dict[str, bytes]) -> bytes:
    """A zip archive holding these parts."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    """A minimal Word document, as far as a content check can tell."""
    return zip_bytes(
        {
            "[Content_Types].xml": DOCX_TYPES,
            "_rels/.rels": b"<Relationships/>",
            "word/document.xml": b"<w:document><w:body>Ada Lovelace</w:body></w:document>",
        }
    )


def upload(
    client: Any,
    content: bytes,
    name: str = "resume.pdf",
    label: str = "Data roles, Nov 2026",
    *,
    declared: str = "application/octet-stream",
    **kwargs: Any,
) -> Any:
    """POST a version through the API as multipart/form-data."""
    return client.post(
        URL,
        files={"file": (name, content, declared)},
        data={"label": label, "notes": kwargs.pop("notes", "")},
        **kwargs,
    )


def raw_multipart(file_name: bytes, content: bytes, label: bytes = b"cv") -> tuple[bytes, str]:
    """A multipart body written by hand, so a file name reaches the server byte for byte
    (httpx percent-encodes control characters and quotes in names)."""
    boundary = "rapport-test-boundary"
    parts = [
        b"--" + boundary.encode(),
        b'Content-Disposition: form-data; name="label"',
        b"",
        label,
        b"--" + boundary.encode(),
        b'Content-Disposition: form-data; name="file"; filename="' + file_name + b'"',
        b"Content-Type: application/pdf",
        b"",
        content,
        b"--" + boundary.encode() + b"--",
        b"",
    ]
    return b"\r\n".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def uploaded(api: ApiClient) -> Callable[..., dict[str, Any]]:
    """Upload a version and return its JSON (the upload must succeed)."""

    def _upload(content: bytes = PDF_BYTES, name: str = "resume.pdf", **kwargs: Any) -> dict:
        response = upload(api, content, name, **kwargs)
        assert response.status_code == 201, response.text
        return response.json()

    return _upload


@pytest.fixture
def contact_of() -> Callable[..., dict[str, Any]]:
    """A contact made through the contacts API of the given client's user."""

    def _make(client: Any, full_name: str = "Rachel Carson") -> dict[str, Any]:
        response = client.post("/api/v1/contacts", json={"full_name": full_name})
        assert response.status_code == 201, response.text
        return response.json()

    return _make
