"""Schemathesis hooks for the fuzz run (loaded through SCHEMATHESIS_HOOKS)."""

from __future__ import annotations

import os
from typing import Any

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
