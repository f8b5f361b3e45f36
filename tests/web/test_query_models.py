"""Query strings read in one validation (app.web.listing.QueryParser): the contacts list, its
exports and every ListQueryDep list keep the contract FastAPI's Query() gave them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.contacts.models import STAGES
from app.contacts.schemas import ContactFilterQuery, ContactListQuery
from app.contacts.service import CONTACT_SORTS
from app.paging import sort_pattern
from app.schemas import MAX_INT32
from app.web.listing import declared_query_names, query_parsers
from tests.conftest import ApiClient

CONTACTS = "/api/v1/contacts"
EXPORT = "/api/v1/export/contacts.vcf"
PROBLEM = "application/problem+json"
FILTERS = {"career_id", "organization_id", "tag", "stage", "introduced_by_id", "due", "q"}
PAGING = {"limit", "offset", "sort"}


def _parameters(app: FastAPI, path: str) -> dict[str, dict[str, Any]]:
    operation = app.openapi()["paths"][path]["get"]
    return {p["name"]: p for p in operation["parameters"]}


def _route(app: FastAPI, path: str) -> APIRoute:
    return next(r for r in app.routes if isinstance(r, APIRoute) and r.path_format == path)


# ---- the document ------------------------------------------------------------------------


def test_the_contacts_list_declares_every_parameter_with_its_type(app: FastAPI) -> None:
    declared = _parameters(app, CONTACTS)
    assert set(declared) == FILTERS | PAGING
    assert all(p["in"] == "query" and p["required"] is False for p in declared.values())
    schema = {name: p["schema"] for name, p in declared.items()}
    assert schema["limit"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 200,
        "default": 50,
        "description": "Page size (max 200).",
        "title": "Limit",
    }
    assert (schema["offset"]["minimum"], schema["offset"]["maximum"]) == (0, 10_000_000)
    for name in ("career_id", "organization_id", "introduced_by_id"):
        assert schema[name] == {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_INT32,
            "title": schema[name]["title"],
        }
    assert schema["stage"]["enum"] == list(STAGES)
    assert schema["due"]["type"] == "boolean"
    assert declared["due"]["description"].startswith("true: due or overdue")
    no_nul = r"^[^\x00]*$"
    assert schema["tag"].items() >= {"type": "string", "maxLength": 64, "pattern": no_nul}.items()
    assert schema["q"].items() >= {"type": "string", "maxLength": 200, "pattern": no_nul}.items()
    assert schema["sort"]["pattern"] == sort_pattern(CONTACT_SORTS)
    # Absent or a value, never null (app.contract), as for a Query().
    assert not any("anyOf" in s or s.get("default", 0) is None for s in schema.values())


def test_the_exports_declare_the_lists_filters_from_the_same_model(app: FastAPI) -> None:
    contacts = _parameters(app, CONTACTS)
    export = _parameters(app, EXPORT)
    assert set(export) == FILTERS == set(ContactFilterQuery.model_fields)
    assert all(export[name] == contacts[name] for name in FILTERS)


def test_every_list_of_list_query_dep_still_declares_its_paging(app: FastAPI) -> None:
    careers = _parameters(app, "/api/v1/careers")
    assert {"limit", "offset", "sort", "q", "status"} <= set(careers)
    assert careers["limit"]["schema"]["maximum"] == 200


def test_the_contacts_list_is_read_in_one_validation(app: FastAPI) -> None:
    # FastAPI's own Query() handling costs ~25 us a parameter per request; the list's
    # parameters all go through its QueryModel, and the checks of unknown and repeated
    # parameters know them.
    route = _route(app, CONTACTS)

    def plain_query_params(dependant: Any) -> list[str]:
        found = [p.alias for p in dependant.query_params]
        for sub in dependant.dependencies:
            found += plain_query_params(sub)
        return found

    assert plain_query_params(route.dependant) == []
    assert [p.model for p in query_parsers(route.dependant)] == [ContactListQuery]
    assert declared_query_names(route.dependant) == FILTERS | PAGING


# ---- the served answers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("sort=" + "a" * 201, "sort"),
        ("q=" + "a" * 201, "q"),
        ("career_id=0", "career_id"),
        (f"organization_id={MAX_INT32 + 1}", "organization_id"),
        ("introduced_by_id=x", "introduced_by_id"),
        ("tag=a%00b", "tag"),
        ("tag=" + "t" * 65, "tag"),
        ("stage=friend", "stage"),
        ("due=maybe", "due"),
    ],
)
def test_a_bad_value_is_a_422_naming_its_field(api: ApiClient, query: str, field: str) -> None:
    response = api.get(f"{CONTACTS}?{query}")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert errors[0]["message"]


def test_every_bad_value_is_named_at_once(api: ApiClient) -> None:
    response = api.get(f"{CONTACTS}?limit=0&stage=friend&due=maybe")
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"limit", "stage", "due"}


def test_nul_in_q_is_a_400_and_blank_q_is_no_search(api: ApiClient) -> None:
    api.post(CONTACTS, json={"full_name": "Ada"})
    response = api.get(f"{CONTACTS}?q=a%00b")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "q", "message": "NUL byte"}]
    assert api.get(f"{CONTACTS}?q=%20%20").json()["total"] == 1
    assert api.get(f"{CONTACTS}?q=%20ada%20").json()["total"] == 1


@pytest.mark.parametrize("path", [CONTACTS, EXPORT, "/api/v1/careers"])
def test_an_unknown_parameter_is_still_a_400(api: ApiClient, path: str) -> None:
    response = api.get(f"{path}?colour=red")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "colour"


@pytest.mark.parametrize(
    ("path", "name"),
    [(CONTACTS, "stage"), (CONTACTS, "limit"), (EXPORT, "tag"), ("/api/v1/careers", "offset")],
)
def test_a_query_model_parameter_sent_twice_is_a_400(api: ApiClient, path: str, name: str) -> None:
    value = {"stage": "met", "tag": "x"}.get(name, "1")
    response = api.get(f"{path}?{name}={value}&{name}={value}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == name


def test_the_export_takes_the_lists_filters_and_no_paging(api: ApiClient) -> None:
    api.post(CONTACTS, json={"full_name": "Ada Lovelace", "stage": "met", "tags": ["math"]})
    api.post(CONTACTS, json={"full_name": "Bob Ames"})
    cards = api.get(f"{EXPORT}?stage=met&tag=Math&q=%20lovelace")
    assert cards.status_code == 200
    assert "Ada Lovelace" in cards.text and "Bob Ames" not in cards.text
    refused = api.get(f"{EXPORT}?stage=friend")
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["stage"]
    assert api.get(f"{EXPORT}?limit=5").status_code == 400  # an export is never paged


def test_a_list_page_reads_the_same_list_query(client: TestClient, web: Any) -> None:
    # /contacts (HTML) shares ListQueryDep: a bad limit is refused, a good one is used.
    assert web.get("/contacts?limit=0").status_code == 422
    assert web.get("/contacts?limit=5&sort=-created_at").status_code == 200
