"""The Link header's addresses: the request's own address, less its query, plus paging."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.requests import Request

from app.web.listing import link_header


def _request(path: str, query: bytes, host: bytes | None = b"127.0.0.1:8000") -> Request:
    headers = [(b"host", host)] if host is not None else []
    return Request(
        {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "server": ("127.0.0.1", 8000),
            "root_path": "",
            "path": path,
            "query_string": query,
            "headers": headers,
        }
    )


def _base_by_splitting(request: Request) -> str:
    """The base as the address split and joined again (the rule the header kept before)."""
    return str(request.url.replace(query=""))


@pytest.mark.parametrize(
    ("path", "query", "host"),
    [
        ("/api/v1/search", b"q=data%20engineer&limit=20", b"127.0.0.1:8000"),
        ("/api/v1/contacts", b"", b"rapport.example"),
        ("/api/v1/contacts", b"sort=full_name&offset=40&limit=20&tag=a&tag=b", None),
        ("/api/v1/interviews/7/questions", b"q=r%C3%A9sum%C3%A9", b"[::1]:8000"),
    ],
)
def test_links_name_the_request_address_with_its_other_parameters(
    path: str, query: bytes, host: bytes | None
) -> None:
    request = _request(path, query, host)
    links = link_header(request, total=95, limit=20, offset=20).split(", ")
    base = _base_by_splitting(request)
    assert [link.split(">", 1)[0].split("?", 1)[0] for link in links] == [f"<{base}"] * 4
    assert [link.rsplit("offset=", 1)[1] for link in links] == [
        '0>; rel="first"',
        '0>; rel="prev"',
        '40>; rel="next"',
        '80>; rel="last"',
    ]
    for link in links:
        assert "offset=20" not in link.split("&limit=20&")[0]  # the request's own is replaced


@settings(max_examples=200, derandomize=True)
@given(
    segments=st.lists(
        st.text(min_size=1, max_size=8).filter(lambda t: "?" not in t and "#" not in t), max_size=4
    ),
    params=st.lists(
        st.tuples(st.sampled_from(["q", "tag", "limit", "offset", "sort"]), st.text(max_size=6)),
        max_size=5,
    ),
)
def test_the_base_is_the_address_less_its_query(
    segments: list[str], params: list[tuple[str, str]]
) -> None:
    path = "/" + "/".join(segments)
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params).encode()
    request = _request(path, query)
    header = link_header(request, total=10, limit=5, offset=0)
    assert header.startswith(f"<{_base_by_splitting(request)}?")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    params=st.lists(
        st.tuples(
            st.sampled_from(["q", "types", "limit", "offset", "sort", "tag", "a b", "é"]),
            st.text(max_size=8),
        ),
        max_size=5,
    )
)
def test_link_parameters_are_spelled_as_urlencode_spells_them(
    params: list[tuple[str, str]],
) -> None:
    request = _request("/api/v1/search", urlencode(params).encode())
    kept = urlencode(
        [(k, v) for k, v in request.query_params.multi_items() if k not in ("offset", "limit")]
    )
    base = "<http://127.0.0.1:8000/api/v1/search?"
    spelled = f"{base}{kept}&limit=10&offset=" if kept else f"{base}limit=10&offset="
    assert link_header(request, total=50, limit=10, offset=0) == (
        f'{spelled}0>; rel="first", {spelled}10>; rel="next", {spelled}40>; rel="last"'
    )
