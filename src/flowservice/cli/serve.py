"""``flowservice serve``: migrate, bootstrap, print how to call the API, run uvicorn."""

from __future__ import annotations

import logging
import shlex
import sys
from pathlib import Path
from typing import Any

import uvicorn
from rich.console import Console

from flowservice.api import create_app
from flowservice.identity.bootstrap import ensure_credentials
from flowservice.services import Services
from flowservice.settings import Settings
from flowservice.storage.migrate import upgrade

__all__ = ["run"]


def run(settings: Settings, console: Console) -> None:
    settings.resolved_home.mkdir(mode=0o700, parents=True, exist_ok=True)
    services = Services.build(settings)
    upgrade(services.db)
    ensure_credentials(settings, services.db)
    _announce(settings, console)
    logging.getLogger("flowservice").setLevel(settings.log_level.upper())
    app: Any = create_app(settings, services)
    if settings.workers > 1:
        # Worker processes read the same environment; the parent has migrated and bootstrapped.
        services.close()
        app = "flowservice.api.asgi:create"
    uvicorn.run(
        app,
        factory=settings.workers > 1,
        workers=settings.workers,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=settings.access_log,
        server_header=False,
    )


def _announce(settings: Settings, console: Console) -> None:
    path = settings.credentials_path
    console.print(f"Credentials: [bold]{path}[/bold] (mode 0600)")
    console.print("Try it:", style="dim")
    cli = f"FLOWSERVICE_HOME={shlex.quote(str(settings.resolved_home))} {_program()}"
    console.print(
        f'eval "$({cli} credentials --export)" && curl -s "$ENDPOINT/connectionSpecs" '
        '-H "Authorization: Bearer $ACCESS_TOKEN" -H "x-api-key: $API_KEY" '
        '-H "x-gw-ims-org-id: $ORG_ID" -H "x-sandbox-name: $SANDBOX_NAME"',
        soft_wrap=True,
        highlight=False,
    )


def _program() -> str:
    """The path of this ``flowservice`` executable, so the printed line works from anywhere."""
    program = Path(sys.argv[0])
    return shlex.quote(str(program.resolve())) if program.exists() else "flowservice"
