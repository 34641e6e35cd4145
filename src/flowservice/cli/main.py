"""``flowservice``: serve, migrate, and manage tenants, clients, tokens and keys.

Every command works on the same ``FLOWSERVICE_HOME`` / ``FLOWSERVICE_DATABASE_URL`` as the server.
Exit codes: 0 success, 1 a problem the message explains, 2 wrong usage.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console

from flowservice.errors import FlowServiceError
from flowservice.settings import Settings

HELP = (
    "Serve the Flow Service API, migrate its database, and manage organizations, sandboxes, "
    "API clients, tokens and keys.\n\n"
    "Every command works on the same FLOWSERVICE_HOME and FLOWSERVICE_DATABASE_URL as the "
    "server. Exit codes: 0 success, 1 a problem the message explains, 2 wrong usage."
)
# Help texts (these and the commands' docstrings) are plain text for the terminal: no Sphinx
# backticks, no Rich markup.
app = typer.Typer(no_args_is_help=True, add_completion=False, help=HELP)
db_app = typer.Typer(no_args_is_help=True, help="The database schema.")
orgs_app = typer.Typer(no_args_is_help=True, help="Organizations.")
sandboxes_app = typer.Typer(no_args_is_help=True, help="Sandboxes inside an organization.")
clients_app = typer.Typer(no_args_is_help=True, help="API clients and their access tokens.")
tokens_app = typer.Typer(no_args_is_help=True, help="Access tokens.")
keys_app = typer.Typer(no_args_is_help=True, help="The vault's encryption keys.")
for sub, name in (
    (db_app, "db"), (orgs_app, "orgs"), (sandboxes_app, "sandboxes"),
    (clients_app, "clients"), (tokens_app, "tokens"), (keys_app, "keys"),
):  # fmt: skip
    app.add_typer(sub, name=name)

err = Console(stderr=True, soft_wrap=True, highlight=False)
out = Console(soft_wrap=True, highlight=False)


def main() -> None:
    app()


@contextmanager
def _services() -> Iterator[Any]:
    """Migrated services for one command; errors become a message and exit code 1."""
    with _services_for(_settings()) as services:
        yield services


@contextmanager
def _services_for(settings: Settings) -> Iterator[Any]:
    from flowservice.services import Services
    from flowservice.storage.migrate import upgrade

    try:
        services = Services.build(settings)
        try:
            upgrade(services.db)
            yield services
        finally:
            services.close()
    except FlowServiceError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from None


def _settings() -> Settings:
    """The settings from the environment; a bad value is a message and exit code 1."""
    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors(include_url=False, include_input=False):
            name = "FLOWSERVICE_" + "_".join(str(p) for p in error["loc"][:1]).upper()
            err.print(f"[red]error:[/red] {name}: {error['msg']}")
        raise typer.Exit(1) from None


def _run(action: Callable[[Any], object]) -> None:
    with _services() as services:
        action(services)


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(metavar="HOST", help="Bind address (FLOWSERVICE_HOST).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(metavar="PORT", help="Port (FLOWSERVICE_PORT).")
    ] = None,
    worker: Annotated[
        bool | None,
        typer.Option(
            "--worker/--no-worker",
            help="Execute runs in this process too (FLOWSERVICE_WORKER, default on); "
            "--no-worker serves an API replica only.",
        ),
    ] = None,
    scheduler: Annotated[
        bool | None,
        typer.Option(
            "--scheduler/--no-scheduler",
            help="Make the runs of flows' schedules (FLOWSERVICE_SCHEDULER, default on).",
        ),
    ] = None,
) -> None:
    """Apply migrations, bootstrap credentials on first start, and serve the API."""
    from flowservice.cli.serve import run

    try:
        settings = _settings()
        settings = settings.model_copy(
            update={
                "host": host or settings.host,
                "port": port or settings.port,
                "worker": settings.worker if worker is None else worker,
                "scheduler": settings.scheduler if scheduler is None else scheduler,
            }
        )
        run(settings, err)
    except FlowServiceError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from None


@app.command("worker")
def worker_command(
    concurrency: Annotated[
        int | None,
        typer.Option(
            min=1, max=64, metavar="N", help="Runs at once (FLOWSERVICE_WORKER_CONCURRENCY)."
        ),
    ] = None,
    poll_seconds: Annotated[
        float | None,
        typer.Option(
            min=0.01,
            max=60,
            metavar="SECONDS",
            help="How often to look for due runs (FLOWSERVICE_WORKER_POLL_SECONDS).",
        ),
    ] = None,
    scheduler: Annotated[
        bool | None,
        typer.Option(
            "--scheduler/--no-scheduler",
            help="Make the runs of flows' schedules here too (FLOWSERVICE_SCHEDULER, default on).",
        ),
    ] = None,
) -> None:
    """Execute runs (and, by default, schedule them) without serving the API, until SIGTERM.

    On SIGTERM or Ctrl-C it stops claiming, lets running runs finish for up to
    FLOWSERVICE_WORKER_SHUTDOWN_SECONDS, and hands the others back to the queue.
    """
    from flowservice.cli.worker import run

    settings = _settings()
    settings = settings.model_copy(
        update={
            "worker_concurrency": concurrency or settings.worker_concurrency,
            "worker_poll_seconds": poll_seconds or settings.worker_poll_seconds,
            "scheduler": settings.scheduler if scheduler is None else scheduler,
        }
    )
    with _services_for(settings) as services:
        run(services, err)


@app.command()
def credentials(
    export: Annotated[bool, typer.Option("--export", help="Print shell export lines.")] = False,
) -> None:
    """Show the bootstrap credentials (written by the first serve)."""
    from flowservice.identity.bootstrap import read_credentials

    settings = _settings()
    saved = read_credentials(settings.credentials_path)
    if saved is None:
        err.print(f"No credentials at {settings.credentials_path}; start the service once first.")
        raise typer.Exit(1)
    if not export:
        print(json.dumps(saved, indent=2))
        return
    names = {"endpoint": "ENDPOINT", "accessToken": "ACCESS_TOKEN", "apiKey": "API_KEY",
             "orgId": "ORG_ID", "sandboxName": "SANDBOX_NAME", "clientSecret": "CLIENT_SECRET",
             "tokenEndpoint": "TOKEN_ENDPOINT"}  # fmt: skip
    for key, var in names.items():
        print(f"export {var}={shlex.quote(str(saved.get(key, '')))}")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (also done on every start)."""
    from flowservice.storage.migrate import current_revision

    revision: list[str | None] = []
    _run(lambda s: revision.append(current_revision(s.db)))
    err.print(f"Database at revision {revision[0]}.")


@orgs_app.command("create")
def orgs_create(
    org_id: Annotated[str, typer.Argument(help="The organization id, e.g. ACME@AdobeOrg.")],
) -> None:
    """Create an organization, with its prod sandbox."""
    from flowservice.identity.service import create_org

    _run(lambda s: create_org(s.db, org_id))
    err.print(f"Created organization {org_id} with sandbox prod.")


@sandboxes_app.command("create")
def sandboxes_create(
    name: Annotated[str, typer.Argument(help="The sandbox name.")],
    org: Annotated[str, typer.Option("--org", metavar="ORG_ID", help="Organization id.")],
) -> None:
    """Create a sandbox in an organization."""
    from flowservice.identity.service import create_sandbox

    _run(lambda s: create_sandbox(s.db, org, name))
    err.print(f"Created sandbox {name} in {org}.")


@clients_app.command("create")
def clients_create(
    org: Annotated[str, typer.Option("--org", metavar="ORG_ID", help="Organization id.")],
    name: Annotated[str, typer.Option(metavar="NAME", help="A label for the client.")] = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON.")] = False,
    ttl_hours: Annotated[
        int | None, typer.Option(metavar="HOURS", help="Token lifetime in hours.")
    ] = None,
) -> None:
    """Create an API client, its client secret and its first access token (shown once)."""
    from flowservice.identity.service import IssuedClient, create_client

    issued: list[IssuedClient] = []
    _run(lambda s: issued.append(create_client(
        s.db, org, name, ttl_hours or s.settings.token_ttl_hours
    )))  # fmt: skip
    client = issued[0]
    body = {"orgId": client.org_id, "apiKey": client.api_key, "accessToken": client.access_token,
            "clientSecret": client.client_secret}  # fmt: skip
    if as_json:
        print(json.dumps(body))
        return
    out.print(f"orgId:        {client.org_id}\napiKey:       {client.api_key}")
    out.print(f"accessToken:  {client.access_token}", soft_wrap=True)
    out.print(f"clientSecret: {client.client_secret}", soft_wrap=True)
    err.print("The access token and client secret are shown only once; store them now.")


@tokens_app.command("revoke")
def tokens_revoke(
    token: Annotated[str, typer.Argument(help="The access token.")],
) -> None:
    """Revoke an access token (takes effect within FLOWSERVICE_AUTH_CACHE_SECONDS)."""
    from flowservice.identity.service import revoke_token

    revoked: list[bool] = []
    _run(lambda s: revoked.append(revoke_token(s.db, token)))
    if not revoked[0]:
        err.print("No such active token.")
        raise typer.Exit(1)
    err.print("Token revoked.")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Add a new data key and re-encrypt every stored secret with it."""
    result: list[tuple[str, int]] = []
    _run(lambda s: result.append(s.secrets.rotate()))
    key_id, count = result[0]
    err.print(f"Active key is now {key_id}; re-encrypted {count} record(s) holding secrets.")


if __name__ == "__main__":  # pragma: no cover
    main()
