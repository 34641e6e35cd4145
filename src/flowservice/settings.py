"""The one settings object. No other module reads the environment."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Everything the service reads from its environment (``FLOWSERVICE_*``)."""

    model_config = SettingsConfigDict(env_prefix="FLOWSERVICE_", extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    home: Path = Path(".flowservice")
    database_url: str | None = None
    master_key: SecretStr | None = None
    allowed_endpoints: Annotated[tuple[str, ...], NoDecode] = ()
    workers: int = Field(default=1, ge=1, le=64)
    threads: int = Field(default=40, ge=1, le=256)
    # Short reads the event loop has out at once on PostgreSQL, each on its own connection. On
    # this 2-CPU machine with a local database, 4 gave the throughput of 8 with a p99 of ~20 ms
    # instead of ~75 ms (the database's processes compete for the CPUs); a database far away
    # needs about round trip times reads per second.
    read_connections: int = Field(default=4, ge=1, le=256)
    log_level: str = "info"
    access_log: bool = True

    # API behaviour
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    default_page_size: int = Field(default=50, ge=1)
    max_page_size: int = Field(default=500, ge=1)
    auth_cache_seconds: float = Field(default=5.0, ge=0)
    token_ttl_hours: int = Field(default=24 * 365, ge=1)
    ims_token_ttl_seconds: int = Field(default=86_400, ge=60)

    # Talking to sources
    source_connect_timeout: float = Field(default=5.0, gt=0)
    source_read_timeout: float = Field(default=30.0, gt=0)
    source_max_attempts: int = Field(default=3, ge=1, le=10)
    source_deadline: float = Field(default=60.0, gt=0)
    test_timeout: float = Field(default=20.0, gt=0)

    # Running flows
    scheduler: bool = True
    scheduler_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    worker: bool = True
    worker_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    worker_concurrency: int = Field(default=2, ge=1, le=64)
    worker_shutdown_seconds: float = Field(default=30.0, ge=0)
    run_lease_seconds: float = Field(default=30.0, ge=2)
    run_max_attempts: int = Field(default=3, ge=1, le=20)
    run_retry_seconds: float = Field(default=30.0, ge=0)
    ingest_lookback_seconds: int = Field(default=900, ge=0)
    ingest_min_age_seconds: int = Field(default=0, ge=0)
    # Crash tests only: the executor's process exits (as kill -9 would end it) at that point.
    failpoint: Literal["", "mid-stream", "after-commit"] = ""

    @field_validator("allowed_endpoints", mode="before")
    @classmethod
    def _split_endpoints(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("allowed_endpoints")
    @classmethod
    def _parse_endpoints(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        from flowservice.s3.endpoint import EndpointPolicy

        EndpointPolicy.from_entries(value)  # raises ValueError naming the bad entry
        return value

    @cached_property
    def resolved_home(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL; SQLite under ``home`` unless ``FLOWSERVICE_DATABASE_URL`` is set."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_home / 'flowservice.db'}"

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}/data/foundation/flowservice"

    @property
    def token_endpoint(self) -> str:
        return f"http://{self.host}:{self.port}/ims/token/v3"

    @property
    def credentials_path(self) -> Path:
        return self.resolved_home / "credentials.json"

    @property
    def key_file(self) -> Path:
        return self.resolved_home / "master.key"
