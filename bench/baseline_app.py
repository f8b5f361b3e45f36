"""The baseline: a bare FastAPI app with one async endpoint returning a small JSON object.

Served by the same uvicorn, with the same flags, as Rapport, so its requests/s is what the
framework and server can do on this machine; every scenario is reported as a ratio to it.
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/ping")
async def ping() -> dict[str, object]:
    return {"status": "ok", "service": "baseline", "items": [1, 2, 3]}
