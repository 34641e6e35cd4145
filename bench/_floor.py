"""The framework floor for bench/api.py: FastAPI with the service's four header dependencies and
a fixed body, no store and no auth. What FastAPI alone costs on ``GET /connections/{id}``.

A module of its own, without ``from __future__ import annotations``: FastAPI reads these
annotations at run time from the module's globals.
"""

from typing import Annotated

from fastapi import Depends, FastAPI, Header
from starlette.responses import JSONResponse

DOCUMENT = {"status": "ok", "service": "floor", "version": 1}
OptionalHeader = Annotated[str | None, Header()]


async def headers(
    authorization: OptionalHeader = None,
    x_api_key: OptionalHeader = None,
    x_gw_ims_org_id: OptionalHeader = None,
    x_sandbox_name: OptionalHeader = None,
) -> tuple[str | None, ...]:
    return (authorization, x_api_key, x_gw_ims_org_id, x_sandbox_name)


def floor_app() -> FastAPI:
    app = FastAPI()

    @app.get("/connections/{connection_id}")
    async def document(
        connection_id: str, _headers: Annotated[tuple[str | None, ...], Depends(headers)]
    ) -> JSONResponse:
        return JSONResponse(DOCUMENT)

    return app
