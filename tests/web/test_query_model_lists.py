"""A QueryModel's list-valued field (app.web.listing): it takes every value sent, the
repeated-parameter check lets it repeat, and the OpenAPI says it is an array; a required
field is declared required."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import Field

from app.contract import request_as_declared
from app.web.listing import QueryModel, QueryParser, parsed_query
from app.web.problems import install_error_handlers

URL = "/api/v1/sample"  # an API address: refusals are problem+json


class Sample(QueryModel):
    name: Annotated[str, Field(min_length=1, description="Required.")]
    colours: Annotated[list[Literal["red", "blue"]] | None, Field(max_length=3)] = None
    sizes: list[int] = []
    limit: Annotated[int, Field(ge=1)] = 5


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI(dependencies=[Depends(request_as_declared)])
    install_error_handlers(app)

    @app.get(URL)
    async def sample(query: Annotated[Sample, parsed_query(Sample)]) -> dict[str, Any]:
        return query.model_dump()

    return TestClient(app, raise_server_exceptions=False)


def test_a_list_field_takes_every_value_sent(client: TestClient) -> None:
    sent = [("name", "a"), ("colours", "red"), ("sizes", "2"), ("colours", "blue"), ("sizes", "1")]
    answer = client.get(URL, params=sent)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"name": "a", "colours": ["red", "blue"], "sizes": [2, 1], "limit": 5}
    alone = client.get(URL, params={"name": "a", "colours": "blue"}).json()
    assert alone["colours"] == ["blue"] and alone["sizes"] == []
    assert client.get(URL, params={"name": "a"}).json()["colours"] is None


def test_a_single_value_field_sent_twice_is_still_a_400(client: TestClient) -> None:
    for name, value in (("name", "a"), ("limit", "2")):
        answer = client.get(URL, params=[("name", "a"), (name, value), (name, value)])
        assert answer.status_code == 400
        assert [e["field"] for e in answer.json()["errors"]] == [name]


def test_bad_list_values_are_named_with_their_place(client: TestClient) -> None:
    answer = client.get(URL, params=[("colours", "red"), ("colours", "green")])
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["name", "colours.1"]
    four = [("name", "a"), *[("colours", "red")] * 4]
    assert [e["field"] for e in client.get(URL, params=four).json()["errors"]] == ["colours"]


def test_the_parameters_say_array_and_required() -> None:
    parser = QueryParser(Sample)
    assert parser.repeatable == {"colours", "sizes"}
    declared = {p["name"]: p for p in parser.openapi_parameters()}
    assert [declared[n]["required"] for n in ("name", "colours", "sizes", "limit")] == [
        True,
        False,
        False,
        False,
    ]
    assert declared["name"]["description"] == "Required."
    colours = declared["colours"]["schema"]["anyOf"][0]
    assert colours == {
        "items": {"enum": ["red", "blue"], "type": "string"},
        "maxItems": 3,
        "type": "array",
    }
    assert declared["sizes"]["schema"]["type"] == "array"
