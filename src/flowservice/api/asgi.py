"""An app factory for uvicorn's multi-process mode: each worker builds its own services from the
same environment (``uvicorn flowservice.api.asgi:create --factory``)."""

from __future__ import annotations

from fastapi import FastAPI

from flowservice.api.app import create_app
from flowservice.settings import Settings

__all__ = ["create"]


def create() -> FastAPI:
    return create_app(Settings())
