"""Schemathesis hooks for the fuzz run (loaded through SCHEMATHESIS_HOOKS)."""

from __future__ import annotations

import json
import os
from typing import Any

import jsonschema_rs
import schemathesis

# The id of the token the fuzzer authenticates with, and of a spare token it may revoke.
OWN_TOKEN = os.environ.get("RAPPORT_FUZZ_OWN_TOKEN_ID", "")
SPARE_TOKEN = os.environ.get("RAPPORT_FUZZ_SPARE_TOKEN_ID", "")


@schemathesis.hook
def before_call(context: Any, case: Any, **kwargs: Any) -> None:
    """Keep DELETE /tokens/{token_id} off the fuzzer's own token, or the rest is only 401s."""
    params = case.path_parameters or {}
    if "token_id" in params and str(params["token_id"]) == OWN_TOKEN:
        params["token_id"] = int(SPARE_TOKEN)


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure but "schema-violating request accepted" for a multipart body that
    is schema-valid as sent. A form part is text: a boolean or a number generated for a text
    property goes on the wire as "false" or "-5762", a valid text, and the server reads it so.
    Schemathesis 4.32 judges some such bodies by the generated values (case nwl3WX: POST
    /api/v1/resumes with notes false and label -5762 reported as accepted negative data);
    its later releases skip these cases (upstream pull request 4040)."""
    if getattr(failure, "code", None) != "ST201" or not _is_multipart(case.media_type):
        return True
    alternative = case.operation.get_body_for_media_type(case.media_type)
    schema = getattr(alternative, "optimized_schema", None)
    return not (isinstance(schema, dict) and multipart_valid_as_sent(schema, case.body))


def _is_multipart(media_type: str | None) -> bool:
    return (media_type or "").split(";")[0].strip().lower() == "multipart/form-data"


def multipart_valid_as_sent(schema: dict[str, Any], body: Any) -> bool:
    """Whether a multipart body satisfies its object schema with each scalar read as the text
    it is sent as (files as they are; parts the schema does not name are ignored, as it
    allows them). False when that cannot be told: the check then stands."""
    if not isinstance(body, dict) or schema.get("type") != "object":
        return False
    if any(name not in body for name in schema.get("required", [])):
        return False
    for name, declared in schema.get("properties", {}).items():
        if name not in body or declared.get("format") == "binary":
            continue
        value = body[name]
        if declared.get("type") != "string":
            return False
        if isinstance(value, bool | int | float) or value is None:
            value = json.dumps(value)
        if not isinstance(value, str) or not jsonschema_rs.validator_for(declared).is_valid(value):
            return False
    return True
