"""Loading connection specs from data files."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from jsonschema import Draft7Validator

from flowservice.resources.fields import Field, Fields
from flowservice.resources.filters import filter_documents

__all__ = ["AuthSpec", "Catalog", "ConnectionSpec"]

WIRE_HIDDEN = frozenset({"driver"})
# What GET /connectionSpecs filters on (contract §3), values compared case-insensitively.
SPEC_FIELDS = Fields.of(
    "connectionSpecs",
    [Field("id", kind="lower"), Field("name", kind="lower"), Field("providerId", kind="lower")],
)


@dataclass(frozen=True)
class AuthSpec:
    name: str
    schema: dict[str, Any]
    validator: Draft7Validator = field(repr=False, compare=False)

    @property
    def secret_params(self) -> frozenset[str]:
        """Params marked ``format: password``: encrypted at rest, masked on read."""
        props: dict[str, Any] = self.schema.get("properties", {})
        return frozenset(k for k, v in props.items() if v.get("format") == "password")

    @property
    def known_params(self) -> frozenset[str]:
        return frozenset(self.schema.get("properties", {}))


@dataclass(frozen=True)
class ConnectionSpec:
    id: str
    name: str
    version: str
    driver: str | None  # None for targets (the Data Lake), which no driver reads
    document: dict[str, Any] = field(repr=False, compare=False)
    auth_specs: tuple[AuthSpec, ...] = ()

    def auth_spec(self, name: str) -> AuthSpec | None:
        """The auth spec called ``name`` (matched case-insensitively, like every enum)."""
        folded = name.casefold()
        return next((a for a in self.auth_specs if a.name.casefold() == folded), None)

    def to_wire(self) -> dict[str, Any]:
        return {k: v for k, v in self.document.items() if k not in WIRE_HIDDEN}


class Catalog:
    def __init__(self, specs: Iterable[ConnectionSpec]) -> None:
        self._specs = {spec.id: spec for spec in specs}

    @classmethod
    def load(cls) -> Catalog:
        """Every ``specs/*.json`` shipped with the package, schemas checked as draft-07."""
        folder = resources.files("flowservice.catalog") / "specs"
        files = sorted((f for f in folder.iterdir() if f.name.endswith(".json")), key=str)
        return cls(_parse(json.loads(f.read_text(encoding="utf-8"))) for f in files)

    def get(self, spec_id: str) -> ConnectionSpec | None:
        return self._specs.get(spec_id.lower())

    def all(self) -> list[ConnectionSpec]:
        return list(self._specs.values())

    def find(self, properties: Sequence[str]) -> list[dict[str, Any]]:
        """The wire documents of the specs every ``property`` filter matches."""
        return filter_documents([s.to_wire() for s in self.all()], properties, SPEC_FIELDS)


def _parse(document: dict[str, Any]) -> ConnectionSpec:
    auth_specs = tuple(_auth_spec(entry) for entry in document.get("authSpec", []))
    return ConnectionSpec(
        id=document["id"].lower(),
        name=document["name"],
        version=document["version"],
        driver=document.get("driver"),
        document=document,
        auth_specs=auth_specs,
    )


def _auth_spec(entry: dict[str, Any]) -> AuthSpec:
    schema = entry["spec"]
    Draft7Validator.check_schema(schema)
    return AuthSpec(name=entry["name"], schema=schema, validator=Draft7Validator(schema))
