"""A flow's ``options``, ``transformations`` and ``labels`` (dataflows §6.1), checked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flowservice import codes
from flowservice.errors import UserError
from flowservice.flows.values import as_bool, as_number, invalid_property

__all__ = ["check_labels", "check_options", "check_transformations"]

MAPPING = "Mapping"
# mapping id, version → does that version of the mapping set exist in the tenant?
MappingExists = Callable[[str, int], bool]


def check_options(value: Any) -> dict[str, Any]:
    """``partialIngestionPercent`` in (0, 100] (numbers or numeric strings) and a boolean
    ``errorDiagnosticsEnabled``, normalized as GET shows them; other keys are kept."""
    if not isinstance(value, dict):
        raise invalid_property("options", value)
    options = dict(value)
    if "partialIngestionPercent" in options:
        percent = as_number(options["partialIngestionPercent"], "partialIngestionPercent")
        if not 0 < percent <= 100:
            raise invalid_property("partialIngestionPercent", options["partialIngestionPercent"])
        options["partialIngestionPercent"] = int(percent) if percent.is_integer() else percent
    if "errorDiagnosticsEnabled" in options:
        options["errorDiagnosticsEnabled"] = as_bool(
            options["errorDiagnosticsEnabled"], "errorDiagnosticsEnabled"
        )
    return options


def check_labels(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise invalid_property("labels", value)
    return value


def mapping_version(value: Any) -> int:
    if isinstance(value, bool) or not (
        isinstance(value, int) or (isinstance(value, str) and value.isdigit() and len(value) < 10)
    ):
        raise UserError(codes.INVALID_MAPPING_VERSION, "Invalid Mapping Version in request.")
    return int(value)


def check_transformations(
    value: Any, names: frozenset[str], mapping_exists: MappingExists
) -> list[tuple[str, int]]:
    """The (mappingId, version) of each Mapping transformation; ``name: null`` means Mapping
    (aepp's generated bodies). Returns the mappings a run applies, in order."""
    if not isinstance(value, list):
        raise invalid_property("transformations", value)
    mappings = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("params"), dict):
            raise invalid_property("transformations", item)
        name = item.get("name") or MAPPING
        if name not in names:
            raise UserError(
                codes.BAD_REQUEST,
                f"The request could not be processed. The transformation {str(name)[:40]} is not "
                f"one of the flow spec's: {', '.join(sorted(names))}.",
            )
        mapping_id = item["params"].get("mappingId")
        if not isinstance(mapping_id, str) or not mapping_id:
            raise UserError(codes.MISSING_PARAM, "The param mappingId is missing in the request.")
        version = mapping_version(item["params"].get("mappingVersion", 0))
        if not mapping_exists(mapping_id, version):
            raise UserError(
                codes.BAD_REQUEST,
                f"The request could not be processed. The mapping set {mapping_id[:64]} (version "
                f"{version}) was not found in this sandbox.",
            )
        mappings.append((mapping_id, version))
    return mappings
