"""Flow specs as data files (``flowspecs/*.json``): which sources may flow to which targets,
and the JSON Schemas of a flow's schedule, options, transformations and run params."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from jsonschema import Draft7Validator

from flowservice.resources.fields import Field, Fields
from flowservice.resources.filters import filter_documents

__all__ = ["FlowSpec", "FlowSpecs"]

# What GET /flowSpecs filters on (dataflows §5); names compare case-insensitively.
FLOW_SPEC_FIELDS = Fields.of(
    "flowSpecs",
    [Field("id", kind="lower"), Field("name", kind="lower"), Field("providerId", kind="lower")],
)


@dataclass(frozen=True)
class FlowSpec:
    id: str
    name: str
    version: str
    document: dict[str, Any] = field(repr=False, compare=False)

    @property
    def source_spec_ids(self) -> frozenset[str]:
        return frozenset(s.lower() for s in self.document.get("sourceConnectionSpecIds", []))

    @property
    def target_spec_ids(self) -> frozenset[str]:
        return frozenset(s.lower() for s in self.document.get("targetConnectionSpecIds", []))

    @property
    def transformation_names(self) -> frozenset[str]:
        return frozenset(t["name"] for t in self.document.get("transformationSpecs", []))

    def to_wire(self) -> dict[str, Any]:
        return self.document


class FlowSpecs:
    def __init__(self, specs: Iterable[FlowSpec]) -> None:
        self._specs = {spec.id: spec for spec in specs}

    @classmethod
    def load(cls) -> FlowSpecs:
        """Every ``flowspecs/*.json`` shipped with the package, schemas checked as draft-07."""
        folder = resources.files("flowservice.catalog") / "flowspecs"
        files = sorted((f for f in folder.iterdir() if f.name.endswith(".json")), key=str)
        return cls(_parse(json.loads(f.read_text(encoding="utf-8"))) for f in files)

    def get(self, spec_id: str) -> FlowSpec | None:
        return self._specs.get(spec_id.lower())

    def all(self) -> list[FlowSpec]:
        return list(self._specs.values())

    def find(self, properties: Sequence[str]) -> list[dict[str, Any]]:
        return filter_documents([s.to_wire() for s in self.all()], properties, FLOW_SPEC_FIELDS)


def _parse(document: dict[str, Any]) -> FlowSpec:
    for key in ("optionSpec", "scheduleSpec", "runSpec"):
        if key in document:
            Draft7Validator.check_schema(document[key]["spec"])
    return FlowSpec(document["id"].lower(), document["name"], document["version"], document)
