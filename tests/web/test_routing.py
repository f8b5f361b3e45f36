"""Every domain's router comes from app.web.routing, since the app adopts its routes as built:
a plain APIRouter's routes would be served without the /api/v1 prefix, the contract's
dependency, the common problems or the database threads."""

from __future__ import annotations

import inspect

import pytest
from fastapi.routing import APIRoute

from app.contract import API_PREFIX, request_as_declared
from app.registry import domain_modules
from app.web.routing import RapportRouter


@pytest.mark.parametrize("kind", ["api", "views"])
def test_every_domain_router_is_built_by_the_factories(kind):
    modules = domain_modules(kind)
    assert modules
    for module in modules:
        router = module.router
        assert isinstance(router, RapportRouter), module.__name__
        for route in router.routes:
            assert isinstance(route, APIRoute), (module.__name__, route)
            assert inspect.iscoroutinefunction(route.endpoint), (module.__name__, route.name)
            if kind == "api":
                assert route.path.startswith(API_PREFIX + "/"), route.path
                assert route.include_in_schema, route.path
                calls = [d.call for d in route.dependant.dependencies]
                assert calls[0] is request_as_declared, route.path
            else:
                assert not route.include_in_schema, route.path
