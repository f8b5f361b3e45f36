"""/api/v1/resumes: uploads checked by content, downloads, ETags, and the list."""

from __future__ import annotations

import hashlib
import struct
from urllib.parse import unquote

import pytest
from sqlalchemy import event

from app.resumes.files import MAX_RESUME_BYTES
from tests.resumes.conftest import (
    DOCX_TYPES,
    EXE_BYTES,
    PDF_BYTES,
    PROBLEM,
    URL,
    docx_bytes,
    raw_multipart,
    upload,
    zip_bytes,
)


def count(api) -> int:
    return api.get(URL).json()["total"]


# ---- accepted kinds --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "stored_type", "stored_name"),
    [
        (PDF_BYTES, "cv.pdf", "application/pdf", "cv.pdf"),
        (
            docx_bytes(),
            "cv.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "cv.docx",
        ),
        ("Ada Lovelace\nAnalyst ✓\n".encode(), "cv.txt", "text/plain; charset=utf-8", "cv.txt"),
        (b"# Ada Lovelace\n\n- analyst\n", "cv.md", "text/markdown; charset=utf-8", "cv.md"),
        # The name's extension is made to match what the bytes are.
        (PDF_BYTES, "cv.docx", "application/pdf", "cv.docx.pdf"),
        (b"plain words", "notes", "text/plain; charset=utf-8", "notes.txt"),
    ],
)
def test_upload_judges_the_type_by_content(api, content, name, stored_type, stored_name):
    response = upload(api, content, name, declared="image/png")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["content_type"] == stored_type
    assert body["file_name"] == stored_name
    assert body["size_bytes"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["label"] == "Data roles, Nov 2026"
    assert response.headers["Location"] == f"{URL}/{body['id']}"
    assert response.headers["ETag"] == '"v1"'


def _zip_declaring(entries: int = 3, directory_bytes: int | None = None) -> bytes:
    """A docx whose end-of-central-directory record claims these entries (and size)."""
    data = bytearray(docx_bytes())
    at = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, at + 8, entries, entries)
    if directory_bytes is not None:
        struct.pack_into("<I", data, at + 12, directory_bytes)
    return bytes(data)


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (EXE_BYTES, "resume.pdf"),  # a renamed executable
        (EXE_BYTES, "resume.txt"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "resume.pdf"),
        ("Lebenslauf Müller".encode("latin-1"), "cv.txt"),  # not UTF-8
        (b"text with a \x00 inside", "cv.txt"),
        (zip_bytes({"[Content_Types].xml": DOCX_TYPES}), "cv.docx"),  # no word/document.xml
        (zip_bytes({"word/document.xml": b"<w/>", "a.txt": b"x"}), "cv.docx"),
        (  # a macro-enabled document
            zip_bytes(
                {
                    "[Content_Types].xml": DOCX_TYPES.replace(
                        b"wordprocessingml.document.main+xml",
                        b"vnd.ms-word.document.macroEnabled.main+xml",
                    ),
                    "word/document.xml": b"<w/>",
                }
            ),
            "cv.docx",
        ),
        (_zip_declaring(60000), "cv.docx"),  # more entries than any resume: not even opened
        (_zip_declaring(directory_bytes=4 * 2**20), "cv.docx"),
        (b"PK\x03\x04 but not a zip at all", "cv.docx"),
    ],
)
def test_anything_else_is_415_and_nothing_is_stored(api, content, name):
    response = upload(api, content, name, declared="application/pdf")
    assert response.status_code == 415, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "PDF" in response.json()["detail"]
    assert count(api) == 0


def test_an_empty_file_is_422(api):
    response = upload(api, b"", "cv.pdf")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["file"]
    assert count(api) == 0


def test_an_oversized_file_is_413_and_nothing_is_stored(api):
    response = upload(api, PDF_BYTES + b"0" * MAX_RESUME_BYTES, "cv.pdf")
    assert response.status_code == 413
    assert response.headers["content-type"].startswith(PROBLEM)
    assert count(api) == 0


def test_a_file_of_exactly_the_limit_is_accepted(api):
    content = PDF_BYTES + b"0" * (MAX_RESUME_BYTES - len(PDF_BYTES))
    response = upload(api, content, "cv.pdf")
    assert response.status_code == 201, response.text


def test_label_is_required_and_bounded(api):
    assert upload(api, PDF_BYTES, label="").status_code == 422
    assert upload(api, PDF_BYTES, label="x" * 201).status_code == 422
    assert upload(api, PDF_BYTES, label="nul \x00 byte").status_code == 422
    assert count(api) == 0


def test_a_read_only_token_cannot_upload(user, api_client_for):
    reader = api_client_for(user, ("read",))
    assert upload(reader, PDF_BYTES).status_code == 403


def test_idempotency_key_replays_the_first_upload(api):
    headers = {"Idempotency-Key": "upload-1"}
    first = upload(api, PDF_BYTES, headers=headers)
    again = upload(api, PDF_BYTES, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = upload(api, PDF_BYTES + b"changed", headers=headers)
    assert other.status_code == 422
    assert count(api) == 1


# ---- file names and downloads ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\ada\\cv.pdf", "cv.pdf"),
        ("cv\u202egpj.pdf", "cvgpj.pdf"),  # a right-to-left override hides the real extension
        ("/", "resume.pdf"),
        ("...", "resume.pdf"),
    ],
)
def test_file_names_are_sanitised(api, sent, kept):
    response = upload(api, PDF_BYTES, sent)
    assert response.status_code == 201, response.text
    assert response.json()["file_name"] == kept


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        (b"cv\tfinal\x01\x7f.pdf", "cvfinal.pdf"),
        (b"..\\..\\cv\x1b[31m.pdf", "cv[31m.pdf"),
        ("Müller\u200b.pdf".encode(), "Müller.pdf"),  # a zero-width space is a format char
        (b'my \\"best\\" cv.pdf', "my best cv.pdf"),
    ],
)
def test_control_characters_in_names_are_removed(api, sent, kept):
    body, content_type = raw_multipart(sent, PDF_BYTES)
    response = api.post(URL, content=body, headers={"Content-Type": content_type})
    assert response.status_code == 201, response.text
    assert response.json()["file_name"] == kept
    download = api.get(f"{URL}/{response.json()['id']}/file")
    assert "\\" not in download.headers["content-disposition"]
    assert all(32 <= ord(c) < 127 for c in download.headers["content-disposition"])


def test_download_sends_the_stored_bytes_as_an_attachment(api, uploaded):
    resume = uploaded(PDF_BYTES, "Lebenslauf Müller.pdf")
    response = api.get(f"{URL}/{resume['id']}/file")
    assert response.status_code == 200
    assert response.content == PDF_BYTES
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-type-options"] == "nosniff"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; ")
    assert 'filename="Lebenslauf M_ller.pdf"' in disposition
    star = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(star) == "Lebenslauf Müller.pdf"


def test_text_downloads_keep_their_type_and_charset(api, uploaded):
    resume = uploaded(b"<script>alert(1)</script>", "cv.md")
    response = api.get(f"{URL}/{resume['id']}/file")
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment;")


# ---- read, change, list ------------------------------------------------------------------------


def test_patch_honours_if_match(api, uploaded):
    resume = uploaded()
    url = f"{URL}/{resume['id']}"
    changed = api.patch(url, json={"notes": "For data roles"}, headers={"If-Match": '"v1"'})
    assert changed.status_code == 200
    assert changed.json()["notes"] == "For data roles"
    assert changed.headers["ETag"] == '"v2"'
    stale = api.patch(url, json={"label": "Other"}, headers={"If-Match": '"v1"'})
    assert stale.status_code == 412
    assert api.get(url).json()["label"] == resume["label"]
    assert api.patch(url, json={"label": None}).status_code == 422
    assert api.patch(url, json={"file_name": "x.exe"}).status_code == 422


def test_list_pages_sorts_and_never_reads_the_bytes(api, uploaded, engine):
    for label in ("b", "a", "c"):
        uploaded(label=label)
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        response = api.get(URL, params={"sort": "label", "limit": 2})
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert response.status_code == 200
    body = response.json()
    assert [r["label"] for r in body["items"]] == ["a", "b"]
    assert body["total"] == 3
    assert 'rel="next"' in response.headers["Link"]
    assert not any("resume_files" in s for s in statements)
    assert api.get(URL, params={"sort": "content"}).status_code == 400
    assert api.get(URL, params={"q": "c"}).json()["total"] == 1


def test_delete_removes_the_version_and_its_file(api, uploaded):
    resume = uploaded()
    url = f"{URL}/{resume['id']}"
    assert api.delete(url, headers={"If-Match": '"v9"'}).status_code == 412
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    assert api.get(f"{url}/file").status_code == 404


def test_another_users_versions_do_not_exist(api, uploaded, other_user, api_client_for):
    resume = uploaded()
    mallory = api_client_for(other_user)
    url = f"{URL}/{resume['id']}"
    assert mallory.get(url).status_code == 404
    assert mallory.get(f"{url}/file").status_code == 404
    assert mallory.patch(url, json={"label": "mine"}).status_code == 404
    assert mallory.delete(url).status_code == 404
    assert mallory.get(f"{url}/shares").status_code == 404
    assert mallory.get(URL).json()["total"] == 0
    assert api.get(url).json()["label"] == resume["label"]
